// eci: an Alibaba ECI ImageCache (eci.alibabacloud.com/v1, cluster-scoped) for the plan's
// images: imageCacheSize = max(20, ceil(2 x image bytes in GiB)) as ECI asks, and a retention so
// an old release's cache snapshot does not bill forever.
#include <fmt/format.h>

#include "coldstart/cluster/manifest_sizing.hpp"
#include "coldstart/core/units.hpp"
#include "manifest_targets.hpp"

namespace coldstart::cluster::detail {

EmittedManifests emit_eci(const PrewarmPlan& plan, const ManifestOptions& o) {
  EmittedManifests out;
  out.format = "yaml";
  auto images = nlohmann::ordered_json::array();
  std::uint64_t bytes = 0;
  for (const auto& image : plan.images) {
    images.push_back(image.pull_reference);
    bytes += image.image_bytes;
  }
  nlohmann::ordered_json cache;
  cache["apiVersion"] = "eci.alibabacloud.com/v1";
  cache["kind"] = "ImageCache";
  cache["metadata"] = object_meta(o.name, "");  // ImageCache is cluster-scoped
  cache["spec"]["images"] = images;
  if (!o.pull_secrets.empty()) {
    auto secrets = nlohmann::ordered_json::array();
    for (const auto& s : o.pull_secrets)
      secrets.push_back(s.find(':') == std::string::npos ? o.namespace_name + ":" + s : s);  // namespace:secretName
    cache["spec"]["imagePullSecrets"] = secrets;
  }
  cache["spec"]["imageCacheSize"] = eci_cache_size_gib(bytes);
  cache["spec"]["retentionDays"] = o.retention_days;
  out.documents.push_back(cache);
  std::string header = fmt::format(
      "# coldstart prewarm manifests --target eci: an ECI ImageCache for {} of images (imageCacheSize {} GiB =\n"
      "# max(20, 2 x image size), kept {} days). Apply: kubectl apply -f -\n",
      format_bytes(bytes), eci_cache_size_gib(bytes), o.retention_days);
  out.text = yaml_stream(out.documents, header);
  return out;
}

}  // namespace coldstart::cluster::detail
