// kruise: one OpenKruise ImagePullJob (apps.kruise.io/v1alpha1) per image, its per-node pull
// timeout and job deadline sized from the image (Kruise's own default, 600 s, is too short for
// 10-20 GB).
#include <fmt/format.h>

#include "coldstart/cluster/manifest_sizing.hpp"
#include "coldstart/core/units.hpp"
#include "manifest_targets.hpp"

namespace coldstart::cluster::detail {

EmittedManifests emit_kruise(const PrewarmPlan& plan, const ManifestOptions& o) {
  EmittedManifests out;
  out.format = "yaml";
  std::string header = "# coldstart prewarm manifests --target kruise: OpenKruise ImagePullJobs. Apply: kubectl apply -f -\n";
  for (const auto& image : plan.images) {
    std::uint64_t timeout = pull_deadline_seconds(image.image_bytes, bandwidth(o));
    nlohmann::ordered_json spec;
    spec["image"] = image.pull_reference;
    spec["parallelism"] = o.parallelism;
    if (!o.node_selector.empty()) spec["selector"] = {{"matchLabels", o.node_selector}};
    spec["pullPolicy"] = {{"timeoutSeconds", timeout}, {"backoffLimit", o.backoff_limit}};
    spec["completionPolicy"] = {{"type", "Always"},
                                {"activeDeadlineSeconds", job_deadline_seconds(timeout, o.backoff_limit)},
                                {"ttlSecondsAfterFinished", 86400}};
    if (!o.pull_secrets.empty()) spec["pullSecrets"] = o.pull_secrets;
    nlohmann::ordered_json job;
    job["apiVersion"] = "apps.kruise.io/v1alpha1";
    job["kind"] = "ImagePullJob";
    job["metadata"] = object_meta(dns_name(o.name + "-" + short_name(image)), o.namespace_name);
    job["spec"] = spec;
    out.documents.push_back(job);
    header += fmt::format("#   {}: {}, timeoutSeconds {} per node (Kruise default 600)\n", image.pull_reference,
                          format_bytes(image.image_bytes), timeout);
  }
  out.text = yaml_stream(out.documents, header);
  return out;
}

}  // namespace coldstart::cluster::detail
