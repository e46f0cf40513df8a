#include "coldstart/cluster/manifests.hpp"

#include <algorithm>
#include <cctype>

#include "coldstart/cluster/manifest_sizing.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/output.hpp"
#include "coldstart/image/reference.hpp"
#include "manifest_targets.hpp"

namespace coldstart::cluster {

namespace {
struct TargetName {
  ManifestTarget target;
  std::string_view name;
};
constexpr TargetName kTargets[] = {
    {ManifestTarget::daemonset, "daemonset"}, {ManifestTarget::kruise, "kruise"},
    {ManifestTarget::kube_fledged, "kube-fledged"}, {ManifestTarget::eci, "eci"},
    {ManifestTarget::dragonfly, "dragonfly"}, {ManifestTarget::containerd_hosts, "containerd-hosts"},
    {ManifestTarget::acr_p2p, "acr-p2p"},
};
}  // namespace

ManifestTarget parse_manifest_target(std::string_view name) {
  for (const auto& t : kTargets)
    if (t.name == name) return t.target;
  std::string all;
  for (const auto& t : kTargets) all += (all.empty() ? "" : ", ") + std::string(t.name);
  throw UsageError("prewarm manifests: unknown --target " + std::string(name), "one of " + all);
}

std::string_view to_string(ManifestTarget target) {
  for (const auto& t : kTargets)
    if (t.target == target) return t.name;
  return "daemonset";
}

std::vector<std::string> manifest_target_names() {
  std::vector<std::string> out;
  for (const auto& t : kTargets) out.emplace_back(t.name);
  return out;
}

Toleration parse_toleration(std::string_view text) {
  Toleration t;
  if (text == "*") return t;
  std::string s(text);
  auto colon = s.rfind(':');
  if (colon != std::string::npos) {
    t.effect = s.substr(colon + 1);
    s = s.substr(0, colon);
    if (t.effect != "NoSchedule" && t.effect != "PreferNoSchedule" && t.effect != "NoExecute")
      throw UsageError("prewarm manifests: --toleration " + std::string(text) + ": effect must be NoSchedule, PreferNoSchedule or NoExecute");
  }
  auto eq = s.find('=');
  if (eq != std::string::npos) {
    t.key = s.substr(0, eq);
    t.value = s.substr(eq + 1);
    t.op = "Equal";
  } else {
    t.key = s;
  }
  if (t.key.empty()) throw UsageError("prewarm manifests: --toleration " + std::string(text) + " has no key", "use key=value:Effect, key:Effect or *");
  return t;
}

std::string dns_name(std::string_view text, std::size_t max) {
  std::string out;
  for (char c : text) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool ok = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9');
    if (ok) out += l;
    else if (!out.empty() && out.back() != '-') out += '-';
  }
  if (out.size() > max) out.resize(max);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "coldstart" : out;
}

EmittedManifests emit_manifests(const PrewarmPlan& plan, const ManifestOptions& options) {
  for (const auto& image : plan.images)
    if (image.pull_reference.empty())
      throw Error("prewarm manifests: internal error: no pull reference for " + image.reference);
  switch (options.target) {
    case ManifestTarget::daemonset: return detail::emit_daemonset(plan, options);
    case ManifestTarget::kruise: return detail::emit_kruise(plan, options);
    case ManifestTarget::kube_fledged: return detail::emit_kube_fledged(plan, options);
    case ManifestTarget::eci: return detail::emit_eci(plan, options);
    case ManifestTarget::dragonfly: return detail::emit_dragonfly(plan, options);
    case ManifestTarget::containerd_hosts: return detail::emit_containerd_hosts(plan, options);
    case ManifestTarget::acr_p2p: return detail::emit_acr_p2p(plan, options);
  }
  throw Error("prewarm manifests: unknown target");
}

namespace detail {

nlohmann::ordered_json object_meta(const std::string& name, const std::string& namespace_name) {
  nlohmann::ordered_json meta;
  meta["name"] = name;
  if (!namespace_name.empty()) meta["namespace"] = namespace_name;
  meta["labels"] = {{"app.kubernetes.io/name", "coldstart-prewarm"}, {"app.kubernetes.io/managed-by", "coldstart"}};
  return meta;
}

std::string yaml_stream(const nlohmann::ordered_json& documents, const std::string& header_comment) {
  std::string out = header_comment;
  bool first = true;
  for (const auto& doc : documents) {
    if (!first) out += "---\n";
    first = false;
    out += json_to_yaml(doc);
  }
  return out;
}

std::uint64_t bandwidth(const ManifestOptions& options) {
  return options.bandwidth_bytes_per_second ? options.bandwidth_bytes_per_second : kDefaultBandwidthBytesPerSecond;
}

std::string registry_host(const std::string& pull_reference) {
  return image::Reference::parse(pull_reference).registry;
}

std::string registry_url(const std::string& host, const ManifestOptions& options) {
  bool plain = std::find(options.plain_http.begin(), options.plain_http.end(), host) != options.plain_http.end();
  return (plain ? "http://" : "https://") + host;
}

std::string short_name(const PrewarmImage& image) {
  auto ref = image::Reference::parse(image.pull_reference);
  auto slash = ref.repository.rfind('/');
  std::string base = slash == std::string::npos ? ref.repository : ref.repository.substr(slash + 1);
  return dns_name(base + (ref.digest.empty() ? "-" + ref.tag : ""), 40);
}

}  // namespace detail
}  // namespace coldstart::cluster
