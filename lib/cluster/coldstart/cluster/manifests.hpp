// coldstart prewarm manifests: what Kubernetes and the distribution systems already run, made
// from a Plan. One emitter per target (src/<target>_manifest.cpp); none invents its own system.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "coldstart/cluster/prewarm_plan.hpp"

namespace coldstart::cluster {

enum class ManifestTarget { daemonset, kruise, kube_fledged, eci, dragonfly, containerd_hosts, acr_p2p };
// "daemonset", "kruise", "kube-fledged", "eci", "dragonfly", "containerd-hosts", "acr-p2p"
ManifestTarget parse_manifest_target(std::string_view name);
std::string_view to_string(ManifestTarget target);
std::vector<std::string> manifest_target_names();

struct Toleration {
  std::string key;       // empty with operator Exists = tolerate every taint
  std::string op = "Exists";
  std::string value;
  std::string effect;    // "", NoSchedule, PreferNoSchedule, NoExecute
};
// kubectl taint syntax: "key=value:Effect", "key:Effect", "key", "*" (everything).
Toleration parse_toleration(std::string_view text);

struct ManifestOptions {
  ManifestTarget target = ManifestTarget::daemonset;
  std::string name = "coldstart-prewarm";
  std::string namespace_name = "coldstart";  // kube-fledged's default is kube-fledged (set by the CLI)
  std::map<std::string, std::string> node_selector;
  std::vector<Toleration> tolerations;
  std::map<std::string, std::string> requests;  // cpu, memory
  std::map<std::string, std::string> limits;
  std::vector<std::string> pull_secrets;
  std::uint64_t bandwidth_bytes_per_second = 0;  // 0 = default (manifest_sizing.hpp)
  // daemonset
  std::string coldstart_image;  // default ghcr.io/coldstart/coldstart:<version>
  std::string pause_image = "registry.k8s.io/pause:3.9";
  std::string cache_dir = "/var/lib/coldstart/cache";
  std::string containerd_socket = "/run/containerd/containerd.sock";
  // containerd's root, mounted at the same path: coldstart writes the layers into the snapshot
  // directories containerd names (docs/prewarm.md, "The route, and why").
  std::string containerd_root = "/var/lib/containerd";
  // kruise
  unsigned parallelism = 10;
  unsigned backoff_limit = 3;
  // eci
  unsigned retention_days = 7;
  // dragonfly
  std::string platform = "linux/amd64";
  std::string dragonfly_scope = "all_peers";
  std::vector<std::uint64_t> scheduler_cluster_ids;
  std::vector<std::string> plain_http;  // registries reached over http (URLs in preheat / hosts.toml)
  // containerd-hosts
  std::string peer = "http://127.0.0.1:65001";  // dfdaemon's proxy; Spegel: http://127.0.0.1:30020
  std::string peer_kind = "dragonfly";          // dragonfly | spegel
  // acr-p2p
  std::string workload;         // Kind/name of the workload to patch, default Deployment/<name>
  std::string acr_instance_id;  // optional: k8s.aliyun.com/acr-instance-id annotation
};

// The emitted text, ready for `kubectl apply -f -` (YAML), the Dragonfly API (JSON Lines) or
// /etc/containerd/certs.d (TOML), and the documents as JSON for -o json and the tests.
struct EmittedManifests {
  std::string text;
  std::string format;  // "yaml" | "json" | "toml"
  nlohmann::ordered_json documents = nlohmann::ordered_json::array();
};

EmittedManifests emit_manifests(const PrewarmPlan& plan, const ManifestOptions& options);

// A DNS-1123 name from free text: lower case, [a-z0-9-.], at most `max` characters.
std::string dns_name(std::string_view text, std::size_t max = 63);

}  // namespace coldstart::cluster
