// One emitter per target, each in its own file; manifests.cpp picks one.
#pragma once
#include "coldstart/cluster/manifests.hpp"

namespace coldstart::cluster::detail {

EmittedManifests emit_daemonset(const PrewarmPlan& plan, const ManifestOptions& options);
EmittedManifests emit_kruise(const PrewarmPlan& plan, const ManifestOptions& options);
EmittedManifests emit_kube_fledged(const PrewarmPlan& plan, const ManifestOptions& options);
EmittedManifests emit_eci(const PrewarmPlan& plan, const ManifestOptions& options);
EmittedManifests emit_dragonfly(const PrewarmPlan& plan, const ManifestOptions& options);
EmittedManifests emit_containerd_hosts(const PrewarmPlan& plan, const ManifestOptions& options);
EmittedManifests emit_acr_p2p(const PrewarmPlan& plan, const ManifestOptions& options);

// Shared pieces.
nlohmann::ordered_json object_meta(const std::string& name, const std::string& namespace_name);
std::string yaml_stream(const nlohmann::ordered_json& documents, const std::string& header_comment);
std::uint64_t bandwidth(const ManifestOptions& options);
// "registry-1.docker.io" for docker.io images; the registry of the reference otherwise.
std::string registry_host(const std::string& pull_reference);
// "https://HOST" or "http://HOST" (registries named in --plain-http).
std::string registry_url(const std::string& host, const ManifestOptions& options);
// The image's name without registry for labels and names: "aigc-sd-v3".
std::string short_name(const PrewarmImage& image);

}  // namespace coldstart::cluster::detail
