// daemonset: a DaemonSet whose init containers run `coldstart prewarm pull --import containerd`
// for the plan's newest image on every selected node (whole: containerd cannot name a partial image;
// its stable layers stay in the node's content store for the next release), then hold a pause container so
// the pod stays (a DaemonSet pod that exits is restarted). The plan travels in a ConfigMap.
#include <fmt/format.h>

#include <algorithm>

#include "coldstart/cluster/manifest_sizing.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/units.hpp"
#include "manifest_targets.hpp"

namespace coldstart::cluster::detail {

namespace {

constexpr std::size_t kMaxConfigMapBytes = 1000 * 1024;  // 1 MiB less room for the object's own fields

nlohmann::ordered_json resources(const ManifestOptions& o) {
  nlohmann::ordered_json r = nlohmann::ordered_json::object();
  if (!o.requests.empty()) r["requests"] = o.requests;
  if (!o.limits.empty()) r["limits"] = o.limits;
  return r;
}

nlohmann::ordered_json tolerations(const ManifestOptions& o) {
  auto out = nlohmann::ordered_json::array();
  for (const auto& t : o.tolerations) {
    nlohmann::ordered_json j;
    if (!t.key.empty()) j["key"] = t.key;
    j["operator"] = t.op;
    if (t.op == "Equal") j["value"] = t.value;
    if (!t.effect.empty()) j["effect"] = t.effect;
    out.push_back(std::move(j));
  }
  return out;
}

nlohmann::ordered_json pull_container(const PrewarmImage& image, std::size_t index, const ManifestOptions& o) {
  std::vector<std::string> command{"coldstart", "prewarm", "pull", image.pull_reference,
                                   "--cache", o.cache_dir, "--import", "containerd"};
  std::string host = registry_host(image.pull_reference);
  if (std::find(o.plain_http.begin(), o.plain_http.end(), host) != o.plain_http.end()) {
    command.push_back("--plain-http");
    command.push_back(host);
  }
  nlohmann::ordered_json c;
  c["name"] = dns_name(fmt::format("pull-{}-{}", index, short_name(image)), 63);
  c["image"] = o.coldstart_image;
  c["command"] = command;
  auto r = resources(o);
  if (!r.empty()) c["resources"] = r;
  // Root for the containerd socket and for owners in the snapshots; SYS_ADMIN for the
  // trusted.overlay.opaque xattr of opaque directories (whiteout devices need MKNOD, a default).
  c["securityContext"] = {{"runAsUser", 0}, {"capabilities", {{"add", nlohmann::ordered_json::array({"SYS_ADMIN"})}}}};
  c["volumeMounts"] = nlohmann::ordered_json::array({
      {{"name", "cache"}, {"mountPath", o.cache_dir}},
      {{"name", "containerd-sock"}, {"mountPath", "/run/containerd/containerd.sock"}},
      {{"name", "containerd-root"}, {"mountPath", o.containerd_root}},
      {{"name", "plan"}, {"mountPath", "/etc/coldstart"}, {"readOnly", true}},
  });
  return c;
}

}  // namespace

EmittedManifests emit_daemonset(const PrewarmPlan& plan, const ManifestOptions& o) {
  EmittedManifests out;
  out.format = "yaml";
  std::string plan_map = dns_name(o.name + "-plan", 253);

  std::string plan_text = plan.document.dump();
  // The API server refuses a ConfigMap over 1 MiB; say so now rather than at kubectl apply.
  if (plan_text.size() > kMaxConfigMapBytes)
    throw Error("prewarm manifests: the plan is " + format_bytes(plan_text.size()) + ", more than a ConfigMap holds (1 MiB)",
                "analyze fewer versions (--history) or split the images into several plans");
  nlohmann::ordered_json config_map;
  config_map["apiVersion"] = "v1";
  config_map["kind"] = "ConfigMap";
  config_map["metadata"] = object_meta(plan_map, o.namespace_name);
  config_map["data"] = {{"plan.json", plan_text}};
  out.documents.push_back(config_map);

  nlohmann::ordered_json selector_labels = {{"app.kubernetes.io/name", "coldstart-prewarm"},
                                            {"app.kubernetes.io/instance", o.name}};
  nlohmann::ordered_json pod;
  auto init = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < plan.images.size(); ++i) init.push_back(pull_container(plan.images[i], i, o));
  if (!o.node_selector.empty()) pod["nodeSelector"] = o.node_selector;
  auto tol = tolerations(o);
  if (!tol.empty()) pod["tolerations"] = tol;
  pod["terminationGracePeriodSeconds"] = 5;
  pod["initContainers"] = init;
  pod["containers"] = nlohmann::ordered_json::array({{
      {"name", "hold"},
      {"image", o.pause_image},
      {"resources", {{"requests", {{"cpu", "1m"}, {"memory", "8Mi"}}}, {"limits", {{"memory", "32Mi"}}}}},
  }});
  pod["volumes"] = nlohmann::ordered_json::array({
      {{"name", "cache"}, {"hostPath", {{"path", o.cache_dir}, {"type", "DirectoryOrCreate"}}}},
      {{"name", "containerd-sock"}, {"hostPath", {{"path", o.containerd_socket}, {"type", "Socket"}}}},
      {{"name", "containerd-root"}, {"hostPath", {{"path", o.containerd_root}, {"type", "Directory"}}}},
      {{"name", "plan"}, {"configMap", {{"name", plan_map}}}},
  });

  std::uint64_t cache_bytes = 0;
  for (const auto& image : plan.images) cache_bytes += image.cache_bytes;
  nlohmann::ordered_json template_meta;
  template_meta["labels"] = selector_labels;
  template_meta["annotations"] = {
      {"coldstart.dev/cache-bytes", std::to_string(cache_bytes)},
      {"coldstart.dev/pull-deadline-seconds", std::to_string(pull_deadline_seconds(cache_bytes, bandwidth(o)))}};

  nlohmann::ordered_json ds;
  ds["apiVersion"] = "apps/v1";
  ds["kind"] = "DaemonSet";
  ds["metadata"] = object_meta(o.name, o.namespace_name);
  ds["spec"]["selector"] = {{"matchLabels", selector_labels}};
  // A new plan rolls out to a quarter of the nodes at a time, so the registry is not hit by all.
  ds["spec"]["updateStrategy"] = {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxUnavailable", "25%"}}}};
  ds["spec"]["template"] = {{"metadata", template_meta}, {"spec", pod}};
  out.documents.push_back(ds);

  std::string header = fmt::format(
      "# coldstart prewarm manifests --target daemonset: pulls the plan's newest images into {} on every\n"
      "# selected node and imports them into containerd; their cache (stable) layers, {} in all, then serve\n"
      "# every later release from the node. Apply: kubectl apply -f -\n",
      o.cache_dir, format_bytes(cache_bytes));
  out.text = yaml_stream(out.documents, header);
  return out;
}

}  // namespace coldstart::cluster::detail
