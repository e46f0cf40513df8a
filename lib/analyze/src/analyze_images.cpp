#include "coldstart/analyze/analyze_images.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <future>
#include <regex>

#include "coldstart/analyze/version_series.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/log.hpp"
#include "coldstart/core/units.hpp"

namespace coldstart::analyze {
namespace {

// One image as resolved. The Source stays open only while the deep analysis may still need it,
// so --deep streams layers through the very Source that resolved the manifest.
struct ResolvedEntry {
  std::unique_ptr<image::Source> source;
  image::ResolvedImage image;
};

// Resolves every image, at most `jobs` at once; the first failure (in input order) is rethrown.
std::vector<ResolvedEntry> resolve_all(const std::vector<std::string>& images, const AnalyzeRequest& request,
                                       const SourceOpener& open) {
  std::vector<ResolvedEntry> resolved(images.size());
  std::vector<std::exception_ptr> errors(images.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < images.size(); i = next++) {
      try {
        auto source = open(images[i], request.source_options);
        resolved[i].image = source->resolve();
        if (resolved[i].image.reference.empty()) resolved[i].image.reference = images[i];
        if (request.deep) resolved[i].source = std::move(source);
        log::debug("resolved {}", images[i]);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  const auto workers_wanted = std::max(1u, std::min<unsigned>(request.jobs, static_cast<unsigned>(images.size())));
  std::vector<std::future<void>> workers;
  for (unsigned w = 0; w < workers_wanted; ++w) workers.push_back(std::async(std::launch::async, worker));
  for (auto& f : workers) f.get();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  return resolved;
}

// --history N: the tags of the repository that match, as image arguments to resolve.
std::vector<std::string> history_candidates(const AnalyzeRequest& request, const SourceOpener& open) {
  if (request.images.size() != 1)
    throw UsageError("--history takes exactly one repository", "e.g. coldstart analyze --history 10 registry/repo");
  std::regex pattern;
  try {
    pattern = std::regex(request.tags_regex, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw UsageError(fmt::format("--tags '{}' is not a valid regular expression: {}", request.tags_regex, e.what()));
  }
  ImageName name = split_image_name(request.images[0]);
  auto source = open(request.images[0], request.source_options);
  std::vector<std::string> candidates;
  for (const auto& tag : source->list_tags())
    if (std::regex_match(tag, pattern)) candidates.push_back(image_with_tag(name, tag));
  if (candidates.empty())
    throw Error(fmt::format("no tag of {} matches --tags '{}'", name.repository, request.tags_regex),
                "list them with skopeo list-tags, or widen --tags");
  if (candidates.size() > 200)
    log::warn("resolving {} tags of {} to order them by date; narrow with --tags", candidates.size(), name.repository);
  log::info("{}: {} matching tag(s), keeping the {} newest", name.repository, candidates.size(), request.history);
  return candidates;
}

// The entry a version was made from (same reference and manifest; duplicates are interchangeable).
ResolvedEntry& entry_of(std::vector<ResolvedEntry>& resolved, const ImageVersion& version) {
  for (auto& entry : resolved)
    if (entry.image.reference == version.reference && entry.image.manifest_digest == version.manifest_digest)
      return entry;
  throw Error(fmt::format("internal: {} was analysed but not resolved", version.reference));
}

std::size_t version_count(const std::vector<VersionSeries>& series) {
  std::size_t n = 0;
  for (const auto& s : series) n += s.versions.size();
  return n;
}

}  // namespace

AnalyzeResult analyze_images(const AnalyzeRequest& request, const SourceOpener& open_or_default) {
  if (request.history == 0 && request.images.empty()) throw UsageError("analyze needs at least one IMAGE");
  const StabilityOptions& stability = request.stability;
  if (stability.stable_min_reuse < 0 || stability.stable_min_reuse > 1)
    throw UsageError(fmt::format("--stable-min-reuse {} is out of range", stability.stable_min_reuse),
                     "use 0..1, e.g. 0.5");
  const SourceOpener open = open_or_default ? open_or_default : SourceOpener(image::open_source);

  auto started = std::chrono::steady_clock::now();
  std::vector<ResolvedEntry> resolved =
      resolve_all(request.history > 0 ? history_candidates(request, open) : request.images, request, open);
  std::vector<ImageVersion> versions;
  for (const auto& entry : resolved) versions.push_back(make_image_version(entry.image));
  if (request.history > 0) versions = newest_versions(std::move(versions), request.history);

  auto series = group_into_series(std::move(versions));
  std::vector<SeriesStability> classified;
  for (const auto& s : series) classified.push_back(classify_layers(s, stability));
  log::info("analysed {} version(s) of {} repositor{} in {}", version_count(series), series.size(),
            series.size() == 1 ? "y" : "ies",
            format_duration(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()));

  std::vector<std::optional<DeepReport>> deep(series.size());
  if (request.deep) {
    // Only the newest version of each series is streamed; the other Sources can go now.
    std::vector<ResolvedEntry*> newest;
    for (const auto& s : series) newest.push_back(&entry_of(resolved, s.newest()));
    for (auto& entry : resolved)
      if (std::find(newest.begin(), newest.end(), &entry) == newest.end()) entry.source.reset();
    for (std::size_t i = 0; i < series.size(); ++i) {
      log::info("--deep: streaming every layer of {}", series[i].newest().reference);
      deep[i] = analyze_deep(*newest[i]->source, newest[i]->image, request.deep_options);
    }
  }

  AnalyzeResult result;
  result.plan = build_plan(std::move(classified), stability, std::move(deep), request.hints);
  if (request.ci) {
    result.ci_rules = *request.ci;
    result.gate = evaluate_ci_rules(result.plan, result.ci_rules);
  }
  return result;
}

}  // namespace coldstart::analyze
