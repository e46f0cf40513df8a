#include "coldstart/cluster/pull.hpp"

#include <fmt/format.h>

#include <chrono>
#include <set>

#include "blob_fetcher.hpp"
#include "coldstart/cluster/blob_store.hpp"
#include "coldstart/core/digest.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/file.hpp"
#include "coldstart/image/reference.hpp"
#include "coldstart/image/registry_client.hpp"

namespace coldstart::cluster {

std::string to_string(BlobOrigin origin) {
  switch (origin) {
    case BlobOrigin::cached: return "cached";
    case BlobOrigin::resumed: return "resumed";
    default: return "fetched";
  }
}

namespace {

// The registry reference when IMAGE names a registry (docker://REF or a bare REF), as open_source reads it.
std::optional<image::Reference> registry_reference(const std::string& image) {
  if (image.starts_with("docker://")) return image::Reference::parse(image.substr(9));
  for (std::string_view t : {"oci:", "oci-archive:", "docker-archive:", "dir:", "docker-daemon:",
                             "containers-storage:", "ostree:", "sif:", "tarball:"})
    if (image.starts_with(t)) return std::nullopt;
  return image::Reference::parse(image);
}

// "oci:DIR:v5" -> "v5"; "oci:DIR@sha256:..." or no tag -> "".
std::string local_tag(const std::string& image) {
  auto colon = image.find(':');
  std::string rest = colon == std::string::npos ? image : image.substr(colon + 1);
  if (rest.find('@') != std::string::npos) return "";
  auto last = rest.rfind(':');
  if (last == std::string::npos) return "";
  std::string tag = rest.substr(last + 1);
  return tag.find('/') == std::string::npos ? tag : "";
}

// The Plan's `repository` for IMAGE: the argument without its tag or digest.
std::string plan_repository(const std::string& image) {
  std::string s = image;
  if (auto at = s.find('@'); at != std::string::npos) s.resize(at);
  auto colon = s.rfind(':');
  if (colon != std::string::npos && s.find('/', colon) == std::string::npos && colon > 0 && s[colon - 1] != '/') {
    std::string before = s.substr(0, colon);
    if (before != "oci" && before != "oci-archive" && before != "docker-archive" && before != "docker") s.resize(colon);
  }
  return s;
}

}  // namespace

PullSummary pull_image(const PullOptions& options, const PullObserver& observer) {
  auto start = std::chrono::steady_clock::now();
  if (options.jobs < 1 || options.jobs > 64) throw UsageError("--jobs must be between 1 and 64");
  if (options.chunk_size < (1u << 20)) throw UsageError("--chunk-size must be at least 1MiB");
  auto source = image::open_source(options.image, options.source);
  auto reference = registry_reference(options.image);
  BlobStore store(options.cache);  // a cache that cannot be written fails before any download
  image::ResolvedImage resolved = source->resolve();

  PullSummary summary;
  summary.image = source->describe();
  summary.cache = options.cache.string();
  summary.manifest_digest = resolved.manifest_digest;
  summary.layers = to_string(options.layers);
  summary.jobs = options.jobs;
  summary.chunk_size = options.chunk_size;
  if (reference) {
    summary.tag = options.tag.empty() ? reference->tag : options.tag;
    summary.ref = reference->to_string();
  } else {
    summary.tag = options.tag.empty() ? local_tag(options.image) : options.tag;
  }

  std::optional<PlanClasses> plan;
  if (options.plan) {
    plan = read_plan_classes(read_file(*options.plan, 64u << 20), options.plan->string(), resolved.manifest_digest,
                             plan_repository(options.image));
    summary.plan_image = plan->matched;
  } else if (options.layers != LayerFilter::all) {
    throw UsageError(fmt::format("--layers {} needs --plan plan.json", to_string(options.layers)),
                     "write one with coldstart analyze IMAGE... --plan-out plan.json");
  }

  // Manifest and config: already read and verified by resolve(); always stored.
  image::Descriptor manifest;
  manifest.media_type = resolved.manifest_media_type;
  manifest.digest = resolved.manifest_digest;
  manifest.size = static_cast<std::int64_t>(resolved.manifest_json.size());
  manifest.platform = resolved.platform;
  std::vector<BlobResult> documents;
  auto put_document = [&](const image::Descriptor& d, const std::string& bytes, const std::string& role) {
    BlobResult r;
    r.digest = d.digest;
    r.role = role;
    r.media_type = d.media_type;
    r.size = d.size;
    bool had = store.has_blob(d, options.verify_existing);
    store.put_blob(d, bytes);
    r.origin = had ? BlobOrigin::cached : BlobOrigin::fetched;
    r.bytes_fetched = had ? 0 : bytes.size();
    documents.push_back(r);
  };
  put_document(manifest, resolved.manifest_json, "manifest");
  image::Descriptor config = resolved.manifest.config;
  if (config.media_type.empty()) config.media_type = "application/vnd.oci.image.config.v1+json";
  put_document(config, resolved.config_json, "config");

  auto choices = select_layers(resolved.manifest.layers, plan ? &*plan : nullptr, options.layers);
  std::vector<detail::FetchItem> to_fetch;
  std::vector<BlobResult> cached;
  std::set<std::string> seen;
  std::uint64_t present_bytes = 0;
  for (const auto& c : choices) {
    if (!c.selected) {
      summary.skipped.push_back({c.layer.digest, c.layer.size, c.layer_class, c.reason});
      continue;
    }
    if (!seen.insert(c.layer.digest).second) continue;  // the same blob twice in one manifest
    if (c.layer.size < 0) throw Error(fmt::format("layer {} of {} has a negative size", c.layer.digest, summary.image));
    summary.bytes_total += static_cast<std::uint64_t>(c.layer.size);
    if (store.has_blob(c.layer, options.verify_existing)) {
      BlobResult r;
      r.digest = c.layer.digest;
      r.role = "layer";
      r.media_type = c.layer.media_type;
      r.layer_class = c.layer_class;
      r.size = c.layer.size;
      r.origin = BlobOrigin::cached;
      cached.push_back(r);
      present_bytes += static_cast<std::uint64_t>(c.layer.size);
      continue;
    }
    to_fetch.push_back({c.layer, "layer", c.layer_class});
  }
  if (observer.on_plan) observer.on_plan(summary.bytes_total, present_bytes);
  for (const auto& r : cached)
    if (observer.on_blob_done) observer.on_blob_done(r);

  std::unique_ptr<image::RegistryClient> client;
  detail::BlobOrigins origins;
  if (reference) {
    client = std::make_unique<image::RegistryClient>(reference->registry, options.source);
    origins.registry = client.get();
    origins.repository = reference->repository;
  } else {
    origins.source = source.get();
  }
  detail::BlobFetcher fetcher(store, origins, options.jobs, options.chunk_size, observer);
  auto fetched = fetcher.fetch(to_fetch);
  summary.ranges = fetcher.used_ranges();
  store.tag_image(manifest, summary.tag, summary.ref);

  for (auto& d : documents) summary.blobs.push_back(d);
  // Layers in manifest order.
  for (const auto& c : choices) {
    auto take = [&](std::vector<BlobResult>& from) {
      for (auto it = from.begin(); it != from.end(); ++it)
        if (it->digest == c.layer.digest) {
          summary.blobs.push_back(*it);
          from.erase(it);
          return true;
        }
      return false;
    };
    if (!take(fetched)) take(cached);
  }
  for (const auto& b : summary.blobs) summary.bytes_fetched += b.bytes_fetched;
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace coldstart::cluster
