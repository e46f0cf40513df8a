// dragonfly: a preheat job for the Dragonfly manager's API (POST /api/v1/jobs, type "preheat")
// per image with volatile (p2p) layers, so seed peers hold each release before pods pull it.
// One JSON object per line; the timeout is a Go duration in nanoseconds, sized from the image.
#include "coldstart/cluster/manifest_sizing.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/image/reference.hpp"
#include "manifest_targets.hpp"

namespace coldstart::cluster::detail {

EmittedManifests emit_dragonfly(const PrewarmPlan& plan, const ManifestOptions& o) {
  EmittedManifests out;
  out.format = "json";
  for (const auto& image : plan.images) {
    if (image.p2p_layers.empty()) continue;  // nothing changes per release: the node cache has it all
    auto ref = image::Reference::parse(image.pull_reference);
    nlohmann::ordered_json args;
    args["type"] = "image";
    args["url"] = registry_url(ref.registry, o) + "/v2/" + ref.repository + "/manifests/" + ref.manifest_reference();
    args["platform"] = o.platform;
    args["scope"] = o.dragonfly_scope;
    // The whole image is preheated (Dragonfly resolves the manifest); its stable layers are
    // already cached, so the time goes to the volatile ones. Size the timeout for all of it.
    args["timeout"] = pull_deadline_seconds(image.image_bytes, bandwidth(o)) * 1'000'000'000ull;
    nlohmann::ordered_json job;
    job["type"] = "preheat";
    job["bio"] = "coldstart: volatile layers (" + std::to_string(image.p2p_layers.size()) + ", " +
                 std::to_string(image.p2p_bytes) + " bytes) of " + image.pull_reference;
    job["args"] = args;
    if (!o.scheduler_cluster_ids.empty()) job["scheduler_cluster_ids"] = o.scheduler_cluster_ids;
    out.text += job.dump() + "\n";
    out.documents.push_back(job);
  }
  if (out.documents.empty())
    throw Error("prewarm manifests: the plan has no volatile (p2p) layers to preheat",
                "every layer is stable: use --target daemonset, kruise, kube-fledged or eci for the node cache");
  return out;
}

}  // namespace coldstart::cluster::detail
