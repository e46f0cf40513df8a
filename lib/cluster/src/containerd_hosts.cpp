// containerd-hosts: /etc/containerd/certs.d/<registry>/hosts.toml that sends pulls through the
// node-local P2P peer (Dragonfly dfdaemon's proxy or Spegel) and falls back to the registry
// itself when the peer cannot serve, as containerd tries hosts in order, then `server`.
#include <fmt/format.h>

#include <set>

#include "coldstart/core/error.hpp"
#include "manifest_targets.hpp"

namespace coldstart::cluster::detail {

EmittedManifests emit_containerd_hosts(const PrewarmPlan& plan, const ManifestOptions& o) {
  if (o.peer_kind != "dragonfly" && o.peer_kind != "spegel")
    throw UsageError("prewarm manifests: --peer-kind must be dragonfly or spegel");
  if (o.peer.rfind("http://", 0) != 0 && o.peer.rfind("https://", 0) != 0)
    throw UsageError("prewarm manifests: --peer " + o.peer + " is not a URL", "e.g. http://127.0.0.1:65001");
  EmittedManifests out;
  out.format = "toml";
  std::set<std::string> done;
  for (const auto& image : plan.images) {
    std::string host = registry_host(image.pull_reference);
    if (!done.insert(host).second) continue;
    // containerd looks up certs.d/<host as in the image name>; Docker Hub images say docker.io.
    std::string dir = host == "registry-1.docker.io" ? "docker.io" : host;
    std::string server = registry_url(host, o);
    std::string path = "/etc/containerd/certs.d/" + dir + "/hosts.toml";
    std::string toml = fmt::format("# file: {}\n# pulls of {} go through the node-local {} peer, then the registry\n",
                                   path, dir, o.peer_kind);
    toml += fmt::format("server = \"{}\"\n\n[host.\"{}\"]\n  capabilities = [\"pull\", \"resolve\"]\n", server, o.peer);
    if (o.peer_kind == "dragonfly")  // dfdaemon's proxy learns the upstream registry from this header
      toml += fmt::format("  [host.\"{}\".header]\n    X-Dragonfly-Registry = \"{}\"\n", o.peer, server);
    if (!out.text.empty()) out.text += "\n";
    out.text += toml;
    out.documents.push_back({{"path", path}, {"content", toml}});
  }
  return out;
}

}  // namespace coldstart::cluster::detail
