// coldstart analyze: layer stability across versions -> cache/P2P plan, hints, CI gate; --deep for files.
#include <fmt/format.h>

#include <atomic>
#include <exception>
#include <filesystem>
#include <future>
#include <regex>
#include <thread>

#include "cli.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/file.hpp"
#include "coldstart/core/log.hpp"
#include "coldstart/core/units.hpp"
#include "coldstart/analyze/ci_rules.hpp"
#include "coldstart/analyze/deep_analysis.hpp"
#include "coldstart/analyze/plan.hpp"
#include "coldstart/analyze/plan_report.hpp"
#include "coldstart/analyze/version_series.hpp"

namespace coldstart::cli {

namespace {

struct AnalyzeOptions {
  std::vector<std::string> images;
  std::size_t history = 0;
  std::string tags_regex = ".*";
  double stable_min_reuse = 0.5;
  std::size_t window = 10;
  std::string model_layer_min_size = "1GiB";
  bool deep = false;
  std::size_t top = 10;
  std::string plan_out;
  bool ci = false;
  std::string ci_config;
  std::map<std::string, std::string> rule_values;
  unsigned jobs = 8;
};

// Resolves every image, at most `jobs` at once; the first failure (in input order) is rethrown.
std::vector<image::ResolvedImage> resolve_all(const std::vector<std::string>& images,
                                              const image::SourceOptions& source_options, unsigned jobs) {
  std::vector<image::ResolvedImage> resolved(images.size());
  std::vector<std::exception_ptr> errors(images.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < images.size(); i = next++) {
      try {
        auto source = image::open_source(images[i], source_options);
        resolved[i] = source->resolve();
        if (resolved[i].reference.empty()) resolved[i].reference = images[i];
        log::debug("resolved {}", images[i]);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  std::vector<std::future<void>> workers;
  for (unsigned w = 0; w < std::max(1u, std::min<unsigned>(jobs, static_cast<unsigned>(images.size()))); ++w)
    workers.push_back(std::async(std::launch::async, worker));
  for (auto& f : workers) f.get();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  return resolved;
}

// --history N: the tags of the repository that match, resolved, N newest by config created.
std::vector<analyze::ImageVersion> history_versions(const AnalyzeOptions& o, const image::SourceOptions& so) {
  if (o.images.size() != 1)
    throw UsageError("--history takes exactly one repository", "e.g. coldstart analyze --history 10 registry/repo");
  std::regex pattern;
  try {
    pattern = std::regex(o.tags_regex, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw UsageError(fmt::format("--tags '{}' is not a valid regular expression: {}", o.tags_regex, e.what()));
  }
  analyze::ImageName name = analyze::split_image_name(o.images[0]);
  auto source = image::open_source(o.images[0], so);
  std::vector<std::string> candidates;
  for (const auto& tag : source->list_tags())
    if (std::regex_match(tag, pattern)) candidates.push_back(analyze::image_with_tag(name, tag));
  if (candidates.empty())
    throw Error(fmt::format("no tag of {} matches --tags '{}'", name.repository, o.tags_regex),
                "list them with skopeo list-tags, or widen --tags");
  if (candidates.size() > 200)
    log::warn("resolving {} tags of {} to order them by date; narrow with --tags", candidates.size(), name.repository);
  log::info("{}: {} matching tag(s), keeping the {} newest", name.repository, candidates.size(), o.history);
  std::vector<analyze::ImageVersion> versions;
  for (const auto& r : resolve_all(candidates, so, o.jobs)) versions.push_back(analyze::make_image_version(r));
  return analyze::newest_versions(std::move(versions), o.history);
}

analyze::CiRules load_ci_rules(const AnalyzeOptions& o) {
  analyze::CiRules rules;
  std::filesystem::path path = o.ci_config;
  if (path.empty() && std::filesystem::exists(".coldstart-ci.yaml")) path = ".coldstart-ci.yaml";
  if (!path.empty()) {
    if (!std::filesystem::exists(path) || std::filesystem::is_directory(path))
      throw Error(fmt::format("CI rules file {} not found", path.string()), "check --ci-config");
    analyze::apply_ci_config(rules, read_file(path, 1 << 20), path.string());
    log::info("CI rules from {}", path.string());
  }
  for (const auto& [name, value] : o.rule_values) analyze::set_ci_rule(rules, name, value, "--" + name);
  return rules;
}

int run_analyze(const AnalyzeOptions& o, const GlobalOptions& global) {
  if (o.history == 0 && o.images.empty()) throw UsageError("analyze needs at least one IMAGE");
  const OutputFormat format = global.format();
  const bool ci = o.ci || !o.ci_config.empty() || !o.rule_values.empty();
  analyze::CiRules rules;
  if (ci) rules = load_ci_rules(o);  // a bad rules file fails before any network work
  analyze::StabilityOptions stability{o.stable_min_reuse, o.window};
  analyze::HintOptions hint_options{parse_bytes(o.model_layer_min_size, "--model-layer-min-size")};
  if (stability.stable_min_reuse < 0 || stability.stable_min_reuse > 1)
    throw UsageError(fmt::format("--stable-min-reuse {} is out of range", o.stable_min_reuse), "use 0..1, e.g. 0.5");

  auto started = std::chrono::steady_clock::now();
  const image::SourceOptions source_options = global.source_options();
  std::vector<analyze::ImageVersion> versions;
  if (o.history > 0) {
    versions = history_versions(o, source_options);
  } else {
    for (const auto& r : resolve_all(o.images, source_options, o.jobs)) versions.push_back(analyze::make_image_version(r));
  }
  auto series = analyze::group_into_series(std::move(versions));
  std::vector<analyze::SeriesStability> classified;
  for (const auto& s : series) classified.push_back(analyze::classify_layers(s, stability));
  log::info("analysed {} version(s) of {} repositor{} in {}", series.empty() ? 0 : [&] {
    std::size_t n = 0;
    for (const auto& s : series) n += s.versions.size();
    return n;
  }(), series.size(), series.size() == 1 ? "y" : "ies",
            format_duration(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()));

  std::vector<std::optional<analyze::DeepReport>> deep(series.size());
  if (o.deep) {
    analyze::DeepOptions deep_options;
    deep_options.top = o.top;
    for (std::size_t i = 0; i < series.size(); ++i) {
      const std::string& reference = series[i].newest().reference;
      log::info("--deep: streaming every layer of {}", reference);
      auto source = image::open_source(reference, source_options);
      image::ResolvedImage resolved = source->resolve();
      deep[i] = analyze::analyze_deep(*source, resolved, deep_options);
    }
  }

  analyze::Plan plan = analyze::build_plan(std::move(classified), stability, std::move(deep), hint_options);
  auto deep_json = +[](const analyze::DeepReport& r) { return analyze::to_json(r); };
  nlohmann::ordered_json doc = analyze::plan_to_json(plan, deep_json);
  if (!o.plan_out.empty()) {
    write_file_atomic(o.plan_out, json_to_text(doc));
    log::info("plan written to {}", o.plan_out);
  }

  std::optional<analyze::CiResult> gate;
  if (ci) {
    gate = analyze::evaluate_ci_rules(plan, rules);
    doc["ci"] = analyze::ci_result_to_json(*gate, rules);
  }
  std::string text = analyze::render_plan_text(plan);
  std::string markdown = analyze::render_plan_markdown(plan);
  for (const auto& image : plan.images) {
    if (!image.deep) continue;
    text += "\n" + image.repository + " --deep (" + image.newest().tag + ")\n" + analyze::render_table(*image.deep);
    markdown += "\n### " + image.repository + " --deep (" + image.newest().tag + ")\n\n" + analyze::render_markdown(*image.deep);
  }
  if (gate) {
    text += "\n" + analyze::render_ci_lines(*gate);
    markdown += "\n### CI gate\n\n```\n" + analyze::render_ci_lines(*gate) + "```\n";
  }
  print_document(format, doc, text, markdown);
  if (gate && gate->failures() > 0)
    throw GateFailed(fmt::format("CI gate failed: {} rule violation(s), listed above", gate->failures()));
  return 0;
}

}  // namespace

void register_analyze(CLI::App& app, GlobalOptions& global) {
  auto o = std::make_shared<AnalyzeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "analyze",
      "Split layers into stable (node cache) and volatile (P2P) across versions; plan, hints, CI gate");
  cmd->footer(
      "Examples:\n"
      "  coldstart analyze oci:examples/images/aigc:v1 oci:examples/images/aigc:v2 oci:examples/images/aigc:v3\n"
      "  coldstart analyze --plain-http 127.0.0.1:5000 --history 10 --tags '^v[0-9]+$' 127.0.0.1:5000/aigc/sd\n"
      "  coldstart analyze oci:examples/images/aigc:v5 oci:examples/images/llm:v2 -o json --plan-out plan.json\n"
      "  coldstart analyze --ci --max-volatile-bytes 500MiB oci:examples/images/aigc:v4 oci:examples/images/aigc:v5\n"
      "Exit codes: 0 ok, 1 error, 2 usage, 3 the CI gate failed (violations listed on stdout).");
  cmd->add_option("images", o->images, "Images (any transport); versions of one repository form a series")
      ->type_name("IMAGE");
  cmd->add_option("--history", o->history, "Analyse the N newest tags of one repository (by config created)")
      ->type_name("N");
  cmd->add_option("--tags", o->tags_regex, "With --history: only tags matching this regular expression (whole tag)")
      ->type_name("REGEX");
  cmd->add_option("--stable-min-reuse", o->stable_min_reuse,
                  "A layer is stable when its place was reused in at least this share of recent releases")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--window", o->window, "Recent releases looked at for the stable/volatile split")
      ->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--model-layer-min-size", o->model_layer_min_size,
                  "A volatile layer this big is reported as probable model weights")->capture_default_str();
  cmd->add_flag("--deep", o->deep, "Stream every layer of the newest version: files, waste, model weights");
  cmd->add_option("--top", o->top, "With --deep: largest files and directories listed")->capture_default_str();
  cmd->add_option("--plan-out", o->plan_out, "Also write the plan as JSON to FILE (atomically)")->type_name("FILE");
  cmd->add_option("-j,--jobs", o->jobs, "Images resolved at once")->capture_default_str()->check(CLI::Range(1, 64));
  cmd->add_flag("--ci", o->ci, "Check CI rules (.coldstart-ci.yaml here, --ci-config, or rule flags); exit 3 on a breach");
  cmd->add_option("--ci-config", o->ci_config, "CI rules file (implies --ci)")->type_name("FILE");
  for (const auto& rule : analyze::ci_rule_names()) {
    cmd->add_option_function<std::string>(
           "--" + rule, [o, rule](const std::string& value) { o->rule_values[rule] = value; },
           "CI rule override (implies --ci); 'disabled' switches it off")
        ->type_name("VALUE");
  }
  set_action(cmd, [o, &global] { return run_analyze(*o, global); });
}

}  // namespace coldstart::cli
