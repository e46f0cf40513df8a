// kube-fledged: one ImageCache (kubefledged.io/v1alpha2) listing the plan's images. kube-fledged
// has no per-cache deadline: its controller's --image-pull-deadline-duration (default 5m) applies
// to every pull, so the header says what to set it to for these images.
#include <fmt/format.h>

#include <algorithm>

#include "coldstart/cluster/manifest_sizing.hpp"
#include "coldstart/core/units.hpp"
#include "manifest_targets.hpp"

namespace coldstart::cluster::detail {

EmittedManifests emit_kube_fledged(const PrewarmPlan& plan, const ManifestOptions& o) {
  EmittedManifests out;
  out.format = "yaml";
  auto images = nlohmann::ordered_json::array();
  std::uint64_t deadline = 0, largest = 0;
  for (const auto& image : plan.images) {
    images.push_back(image.pull_reference);
    deadline = std::max(deadline, pull_deadline_seconds(image.image_bytes, bandwidth(o)));
    largest = std::max(largest, image.image_bytes);
  }
  nlohmann::ordered_json entry;
  entry["images"] = images;
  if (!o.node_selector.empty()) entry["nodeSelector"] = o.node_selector;
  nlohmann::ordered_json cache;
  cache["apiVersion"] = "kubefledged.io/v1alpha2";
  cache["kind"] = "ImageCache";
  cache["metadata"] = object_meta(o.name, o.namespace_name);
  cache["spec"]["cacheSpec"] = nlohmann::ordered_json::array({entry});
  if (!o.pull_secrets.empty()) {
    auto secrets = nlohmann::ordered_json::array();
    for (const auto& s : o.pull_secrets) secrets.push_back({{"name", s}});
    cache["spec"]["imagePullSecrets"] = secrets;
  }
  out.documents.push_back(cache);
  std::string header = fmt::format(
      "# coldstart prewarm manifests --target kube-fledged: an ImageCache. Apply: kubectl apply -f -\n"
      "# The largest image is {}: set the kube-fledged controller's pull deadline to {} (default 5m):\n"
      "#   --image-pull-deadline-duration={}  (Helm/operator: args.controllerImagePullDeadlineDuration={})\n",
      format_bytes(largest), go_duration(deadline), go_duration(deadline), go_duration(deadline));
  out.text = yaml_stream(out.documents, header);
  return out;
}

}  // namespace coldstart::cluster::detail
