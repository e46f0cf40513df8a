// coldstart prewarm manifests --plan plan.json --target T: the plan as what the cluster already
// runs (DaemonSet, OpenKruise, kube-fledged, ECI, Dragonfly, containerd hosts.toml, ACR P2P).
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "cli.hpp"
#include "coldstart/cluster/manifest_sizing.hpp"
#include "coldstart/cluster/manifests.hpp"
#include "coldstart/cluster/prewarm_plan.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/log.hpp"
#include "coldstart/core/units.hpp"

namespace coldstart::cli {

namespace {

struct ManifestFlags {
  std::string plan;
  std::string target;
  std::vector<std::string> images;
  std::string name = "coldstart-prewarm";
  std::string namespace_name;
  std::vector<std::string> node_selector;
  std::vector<std::string> tolerations;
  std::vector<std::string> requests;
  std::vector<std::string> limits;
  std::vector<std::string> pull_secrets;
  std::string bandwidth = "100MB";
  std::string coldstart_image = std::string("ghcr.io/coldstart/coldstart:") + COLDSTART_VERSION;
  std::string containerd_root = "/var/lib/containerd";
  std::string pause_image = "registry.k8s.io/pause:3.9";
  unsigned parallelism = 10;
  unsigned backoff_limit = 3;
  unsigned retention_days = 7;
  std::string dragonfly_scope = "all_peers";
  std::vector<std::uint64_t> scheduler_cluster_ids;
  std::string peer = "http://127.0.0.1:65001";
  std::string peer_kind = "dragonfly";
  std::string workload;
  std::string acr_instance_id;
};

std::map<std::string, std::string> key_values(const std::vector<std::string>& items, const std::string& flag) {
  std::map<std::string, std::string> out;
  for (const auto& item : items) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError("prewarm manifests: " + flag + " " + item + " is not KEY=VALUE");
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

}  // namespace

void register_prewarm_manifests(CLI::App& prewarm, GlobalOptions& global) {
  auto* cmd = prewarm.add_subcommand("manifests", "Emit what the cluster runs to prewarm a plan: DaemonSet, Kruise, kube-fledged, ECI, Dragonfly, containerd hosts, ACR P2P");
  auto f = std::make_shared<ManifestFlags>();
  cmd->add_option("--plan", f->plan, "Plan from `coldstart analyze -o json` or --plan-out")->required()->check(CLI::ExistingFile);
  std::string targets;
  for (const auto& t : cluster::manifest_target_names()) targets += (targets.empty() ? "" : ", ") + t;
  cmd->add_option("--target", f->target, "One of: " + targets)->required();
  cmd->add_option("--image", f->images, "Registry reference nodes pull, per plan image in order (needed when the plan was made from oci:/archives)");
  cmd->add_option("--name", f->name, "Name of the emitted objects")->capture_default_str();
  cmd->add_option("-n,--namespace", f->namespace_name, "Kubernetes namespace (default coldstart; kube-fledged: kube-fledged)");
  cmd->add_option("--node-selector", f->node_selector, "KEY=VALUE node label; repeatable");
  cmd->add_option("--toleration", f->tolerations, "key=value:Effect, key:Effect or * (daemonset); repeatable");
  cmd->add_option("--requests", f->requests, "cpu=100m, memory=256Mi for the pull containers; repeatable");
  cmd->add_option("--limits", f->limits, "cpu=2, memory=1Gi for the pull containers; repeatable");
  cmd->add_option("--pull-secret", f->pull_secrets, "Image pull secret name (kruise, kube-fledged, eci); repeatable");
  cmd->add_option("--bandwidth", f->bandwidth, "Node download bandwidth that sizes timeouts and deadlines, bytes/s")->capture_default_str();
  cmd->add_option("--coldstart-image", f->coldstart_image, "Image of coldstart itself (daemonset)")->capture_default_str();
  cmd->add_option("--containerd-root", f->containerd_root,
                  "containerd's root on the nodes, mounted so coldstart can write the snapshots (daemonset)")
      ->capture_default_str();
  cmd->add_option("--pause-image", f->pause_image, "Image that holds the DaemonSet pod after the pull")->capture_default_str();
  cmd->add_option("--parallelism", f->parallelism, "Nodes pulling at once (kruise)")->capture_default_str()->check(CLI::Range(1u, 10000u));
  cmd->add_option("--backoff-limit", f->backoff_limit, "Pull retries per node (kruise)")->capture_default_str()->check(CLI::Range(0u, 100u));
  cmd->add_option("--retention-days", f->retention_days, "Days the ECI image cache is kept")->capture_default_str()->check(CLI::Range(1u, 65536u));
  cmd->add_option("--scope", f->dragonfly_scope, "Dragonfly preheat scope: single_seed_peer, all_seed_peers, all_peers")
      ->capture_default_str()->check(CLI::IsMember({"single_seed_peer", "all_seed_peers", "all_peers"}));
  cmd->add_option("--scheduler-cluster-id", f->scheduler_cluster_ids, "Dragonfly scheduler cluster id; repeatable (default: all)");
  cmd->add_option("--peer", f->peer, "Node-local P2P peer URL (containerd-hosts)")->capture_default_str();
  cmd->add_option("--peer-kind", f->peer_kind, "dragonfly (dfdaemon proxy) or spegel")->capture_default_str()
      ->check(CLI::IsMember({"dragonfly", "spegel"}));
  cmd->add_option("--workload", f->workload, "KIND/NAME to patch (acr-p2p), default Deployment/<name>");
  cmd->add_option("--acr-instance-id", f->acr_instance_id, "ACR Enterprise instance id annotation (acr-p2p, ACK Serverless/ECI)");
  cmd->footer(
      "Examples:\n"
      "  coldstart analyze --plain-http 127.0.0.1:5000 127.0.0.1:5000/aigc:v1 127.0.0.1:5000/aigc:v2 --plan-out plan.json\n"
      "  coldstart prewarm manifests --plan plan.json --target daemonset --node-selector gpu=true --toleration '*' | kubectl apply -f -\n"
      "  coldstart prewarm manifests --plan plan.json --target kruise --bandwidth 200MB\n"
      "  coldstart prewarm manifests --plan plan.json --target eci --retention-days 14\n"
      "  coldstart prewarm manifests --plan plan.json --target dragonfly | curl -X POST -H 'Content-Type: application/json' --data @- http://manager:8080/api/v1/jobs\n"
      "  coldstart prewarm manifests --plan plan.json --target containerd-hosts --peer http://127.0.0.1:65001\n"
      "  coldstart prewarm manifests --plan plan.json --target acr-p2p --workload Deployment/sd-inference\n"
      "Timeouts and deadlines: 60 s + 2 x size / --bandwidth, whole minutes, at least 5 min (docs/prewarm.md).");
  set_action(cmd, [&global, f] {
    OutputFormat format = global.format();
    if (format == OutputFormat::markdown) throw UsageError("prewarm manifests: -o markdown is not available; use the default, -o yaml or -o json");
    cluster::ManifestOptions o;
    o.target = cluster::parse_manifest_target(f->target);
    o.name = cluster::dns_name(f->name, 63);
    if (o.name != f->name) throw UsageError("prewarm manifests: --name " + f->name + " is not a DNS-1123 label", "try " + o.name);
    o.namespace_name = !f->namespace_name.empty() ? f->namespace_name
                       : o.target == cluster::ManifestTarget::kube_fledged ? "kube-fledged" : "coldstart";
    o.node_selector = key_values(f->node_selector, "--node-selector");
    for (const auto& t : f->tolerations) o.tolerations.push_back(cluster::parse_toleration(t));
    o.requests = key_values(f->requests, "--requests");
    o.limits = key_values(f->limits, "--limits");
    o.pull_secrets = f->pull_secrets;
    o.bandwidth_bytes_per_second = static_cast<std::uint64_t>(parse_bandwidth(f->bandwidth, "--bandwidth"));
    o.coldstart_image = f->coldstart_image;
    o.containerd_root = f->containerd_root;
    o.pause_image = f->pause_image;
    o.parallelism = f->parallelism;
    o.backoff_limit = f->backoff_limit;
    o.retention_days = f->retention_days;
    o.platform = global.platform;
    o.dragonfly_scope = f->dragonfly_scope;
    o.scheduler_cluster_ids = f->scheduler_cluster_ids;
    o.plain_http = global.plain_http;
    o.peer = f->peer;
    o.peer_kind = f->peer_kind;
    o.workload = f->workload;
    o.acr_instance_id = f->acr_instance_id;

    auto plan = cluster::read_prewarm_plan(f->plan);
    cluster::resolve_pull_references(plan, f->images);
    auto emitted = cluster::emit_manifests(plan, o);
    for (const auto& image : plan.images)
      log::info("{}: {} ({} cache, {} p2p); pull deadline {} s at {:.0f} MB/s", image.pull_reference,
                format_bytes(image.image_bytes), format_bytes(image.cache_bytes), format_bytes(image.p2p_bytes),
                cluster::pull_deadline_seconds(image.image_bytes, o.bandwidth_bytes_per_second),
                static_cast<double>(o.bandwidth_bytes_per_second) / 1e6);
    if (format == OutputFormat::json) {
      nlohmann::ordered_json doc;
      doc["schema_version"] = 1;
      doc["kind"] = "coldstart-prewarm-manifests";
      doc["target"] = std::string(cluster::to_string(o.target));
      doc["format"] = emitted.format;
      doc["documents"] = emitted.documents;
      print_document(format, doc, "", "");
    } else {
      std::fwrite(emitted.text.data(), 1, emitted.text.size(), stdout);
      std::fflush(stdout);
    }
    return 0;
  });
}

}  // namespace coldstart::cli
