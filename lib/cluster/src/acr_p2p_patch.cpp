// acr-p2p: the strategic merge patch that turns on Alibaba ACR P2P acceleration for a workload.
// Alibaba documents it as the pod *label* k8s.aliyun.com/image-accelerate-mode: p2p (on the pod
// template, or on a namespace); ACK Serverless/ECI pods also name the ACR Enterprise instance in
// the annotation k8s.aliyun.com/acr-instance-id.
#include <fmt/format.h>

#include <cctype>

#include "coldstart/core/error.hpp"
#include "manifest_targets.hpp"

namespace coldstart::cluster::detail {

namespace {
std::string api_version_of(const std::string& kind) {
  if (kind == "Deployment" || kind == "StatefulSet" || kind == "DaemonSet" || kind == "ReplicaSet") return "apps/v1";
  if (kind == "Job") return "batch/v1";
  throw UsageError("prewarm manifests: --workload kind " + kind + " has no pod template",
                   "use Deployment/NAME, StatefulSet/NAME, DaemonSet/NAME, ReplicaSet/NAME or Job/NAME");
}
}  // namespace

EmittedManifests emit_acr_p2p(const PrewarmPlan&, const ManifestOptions& o) {
  std::string workload = o.workload.empty() ? "Deployment/" + o.name : o.workload;
  auto slash = workload.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == workload.size())
    throw UsageError("prewarm manifests: --workload " + workload + " is not KIND/NAME", "e.g. Deployment/sd-inference");
  std::string kind = workload.substr(0, slash), name = workload.substr(slash + 1);

  nlohmann::ordered_json template_meta;
  template_meta["labels"] = {{"k8s.aliyun.com/image-accelerate-mode", "p2p"}};
  if (!o.acr_instance_id.empty()) template_meta["annotations"] = {{"k8s.aliyun.com/acr-instance-id", o.acr_instance_id}};
  nlohmann::ordered_json patch;
  patch["apiVersion"] = api_version_of(kind);
  patch["kind"] = kind;
  patch["metadata"] = {{"name", name}, {"namespace", o.namespace_name}};
  patch["spec"]["template"]["metadata"] = template_meta;

  EmittedManifests out;
  out.format = "yaml";
  out.documents.push_back(patch);
  std::string lower = kind;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string header = fmt::format(
      "# coldstart prewarm manifests --target acr-p2p: a strategic merge patch (ACR P2P acceleration).\n"
      "#   kubectl -n {} patch {} {} --type strategic --patch-file THIS_FILE\n"
      "# or for a whole namespace: kubectl label namespace {} k8s.aliyun.com/image-accelerate-mode=p2p\n",
      o.namespace_name, lower, name, o.namespace_name);
  out.text = yaml_stream(out.documents, header);
  return out;
}

}  // namespace coldstart::cluster::detail
