#include <doctest/doctest.h>

#include "coldstart/cluster/manifests.hpp"
#include "coldstart/cluster/prewarm_plan.hpp"
#include "coldstart/core/error.hpp"

using namespace coldstart;
using namespace coldstart::cluster;

namespace {
constexpr std::uint64_t GB = 1'000'000'000;

nlohmann::json plan_json(const std::string& reference, std::uint64_t cache, std::uint64_t p2p) {
  nlohmann::json layers = nlohmann::json::array();
  layers.push_back({{"digest", "sha256:aa"}, {"size_bytes", cache}, {"destination", "cache"}});
  if (p2p) layers.push_back({{"digest", "sha256:bb"}, {"size_bytes", p2p}, {"destination", "p2p"}});
  layers.push_back({{"digest", "sha256:cc"}, {"size_bytes", 5}, {"destination", "none"}});
  return {{"schema_version", 1},
          {"kind", "coldstart-plan"},
          {"images", {{{"repository", "r"},
                       {"newest", {{"reference", reference}, {"tag", "v5"}, {"manifest_digest", "sha256:dd"}}},
                       {"layers", layers},
                       {"deep", {{"big", "report"}}},
                       {"totals", {{"image_bytes", cache + p2p}, {"cache_bytes", cache}, {"p2p_bytes", p2p}}}}}}};
}

PrewarmPlan plan_of(const std::string& reference, std::uint64_t cache, std::uint64_t p2p) {
  auto plan = parse_prewarm_plan(plan_json(reference, cache, p2p), "plan.json");
  resolve_pull_references(plan, {});
  return plan;
}
}  // namespace

TEST_CASE("plan reader: layers by destination, deep report left out, registry references kept") {
  auto plan = plan_of("registry.example.com:5000/aigc/sd:v5", 12 * GB, 3 * GB);
  REQUIRE(plan.images.size() == 1);
  CHECK(plan.images[0].cache_layers.size() == 1);
  CHECK(plan.images[0].p2p_layers.size() == 1);
  CHECK(plan.images[0].pull_reference == "registry.example.com:5000/aigc/sd:v5");
  CHECK_FALSE(plan.document["images"][0].contains("deep"));
}

TEST_CASE("plan reader: an oci: plan needs --image, a wrong document is one clear error") {
  auto plan = parse_prewarm_plan(plan_json("oci:examples/images/aigc:v5", 10, 0), "plan.json");
  CHECK_THROWS_WITH_AS(resolve_pull_references(plan, {}), doctest::Contains("--image"), UsageError);
  resolve_pull_references(plan, {"docker://r.example.com/aigc:v5"});
  CHECK(plan.images[0].pull_reference == "r.example.com/aigc:v5");
  CHECK_THROWS_AS(resolve_pull_references(plan, {"a/b:1", "c/d:2"}), UsageError);
  CHECK_THROWS_WITH_AS(parse_prewarm_plan(nlohmann::json{{"kind", "other"}}, "x.json"),
                       doctest::Contains("not a coldstart plan"), Error);
  auto broken = plan_json("r/x:1", 1, 0);
  broken["images"][0]["totals"].erase("image_bytes");
  CHECK_THROWS_WITH_AS(parse_prewarm_plan(broken, "p.json"), doctest::Contains("image_bytes"), Error);
}

TEST_CASE("kruise: timeout sized from the image and bandwidth, deadline covers every retry") {
  auto plan = plan_of("r.example.com/aigc:v5", 15 * GB, 5 * GB);  // 20 GB
  ManifestOptions o;
  o.target = ManifestTarget::kruise;
  o.bandwidth_bytes_per_second = 50'000'000;  // 60 + 2 * 400 = 860 s -> 900 s
  o.node_selector = {{"gpu", "true"}};
  auto out = emit_manifests(plan, o);
  REQUIRE(out.documents.size() == 1);
  const auto& spec = out.documents[0]["spec"];
  CHECK(spec["image"] == "r.example.com/aigc:v5");
  CHECK(spec["pullPolicy"]["timeoutSeconds"] == 900);
  CHECK(spec["completionPolicy"]["activeDeadlineSeconds"] == 900 * 4);
  CHECK(spec["selector"]["matchLabels"]["gpu"] == "true");
  CHECK(out.text.find("kind: ImagePullJob") != std::string::npos);
}

TEST_CASE("eci: imageCacheSize is twice the image in GiB with a floor of 20, and retention is set") {
  auto plan = plan_of("r.example.com/aigc:v5", 15 * GB, 5 * GB);  // 20 GB = 18.6 GiB -> 38
  ManifestOptions o;
  o.target = ManifestTarget::eci;
  o.retention_days = 14;
  o.pull_secrets = {"regcred"};
  auto out = emit_manifests(plan, o);
  const auto& doc = out.documents[0];
  CHECK(doc["spec"]["imageCacheSize"] == 38);
  CHECK(doc["spec"]["retentionDays"] == 14);
  CHECK(doc["spec"]["imagePullSecrets"][0] == "coldstart:regcred");
  CHECK_FALSE(doc["metadata"].contains("namespace"));  // cluster-scoped
}

TEST_CASE("daemonset: the plan in a ConfigMap, one whole-image pull per image with --import containerd") {
  auto plan = plan_of("r.example.com/aigc:v5", 2 * GB, GB);
  ManifestOptions o;
  o.coldstart_image = "ghcr.io/coldstart/coldstart:test";
  o.tolerations = {parse_toleration("nvidia.com/gpu=present:NoSchedule"), parse_toleration("*")};
  o.requests = {{"cpu", "100m"}};
  auto out = emit_manifests(plan, o);
  REQUIRE(out.documents.size() == 2);
  CHECK(out.documents[0]["kind"] == "ConfigMap");
  CHECK(nlohmann::json::parse(out.documents[0]["data"]["plan.json"].get<std::string>())["kind"] == "coldstart-plan");
  const auto& pod = out.documents[1]["spec"]["template"]["spec"];
  const auto& cmd = pod["initContainers"][0]["command"];
  std::vector<std::string> args(cmd.begin(), cmd.end());
  CHECK(args == std::vector<std::string>{"coldstart", "prewarm", "pull", "r.example.com/aigc:v5", "--cache",
                                         "/var/lib/coldstart/cache", "--import", "containerd"});
  CHECK(pod["tolerations"][0]["operator"] == "Equal");
  CHECK(pod["tolerations"][1]["operator"] == "Exists");
  CHECK_FALSE(pod["tolerations"][1].contains("key"));
  CHECK(pod["volumes"][1]["hostPath"]["path"] == "/run/containerd/containerd.sock");
}

TEST_CASE("dragonfly: a preheat job for images with volatile layers, timeout in nanoseconds") {
  auto plan = plan_of("r.example.com/aigc:v5", 2 * GB, GB);
  ManifestOptions o;
  o.target = ManifestTarget::dragonfly;
  o.plain_http = {"r.example.com"};
  auto out = emit_manifests(plan, o);
  auto job = nlohmann::json::parse(out.text);
  CHECK(job["type"] == "preheat");
  CHECK(job["args"]["type"] == "image");
  CHECK(job["args"]["url"] == "http://r.example.com/v2/aigc/manifests/v5");
  CHECK(job["args"]["timeout"] == 300ull * 1'000'000'000ull);
  auto stable_only = plan_of("r.example.com/aigc:v5", 2 * GB, 0);
  CHECK_THROWS_WITH_AS(emit_manifests(stable_only, o), doctest::Contains("no volatile"), Error);
}

TEST_CASE("containerd-hosts and acr-p2p") {
  auto plan = plan_of("docker.io/library/python:3.12", 2 * GB, GB);
  ManifestOptions o;
  o.target = ManifestTarget::containerd_hosts;
  auto out = emit_manifests(plan, o);
  CHECK(out.text.find("# file: /etc/containerd/certs.d/docker.io/hosts.toml") != std::string::npos);
  CHECK(out.text.find("server = \"https://registry-1.docker.io\"") != std::string::npos);
  CHECK(out.text.find("X-Dragonfly-Registry") != std::string::npos);
  o.peer_kind = "spegel";
  o.peer = "http://127.0.0.1:30020";
  CHECK(emit_manifests(plan, o).text.find("X-Dragonfly-Registry") == std::string::npos);

  o.target = ManifestTarget::acr_p2p;
  o.workload = "StatefulSet/llm";
  o.acr_instance_id = "cri-abc";
  auto patch = emit_manifests(plan, o).documents[0];
  CHECK(patch["apiVersion"] == "apps/v1");
  CHECK(patch["spec"]["template"]["metadata"]["labels"]["k8s.aliyun.com/image-accelerate-mode"] == "p2p");
  CHECK(patch["spec"]["template"]["metadata"]["annotations"]["k8s.aliyun.com/acr-instance-id"] == "cri-abc");
  o.workload = "Service/x";
  CHECK_THROWS_AS(emit_manifests(plan, o), UsageError);
}

TEST_CASE("targets, tolerations and names parse or fail with one clear error") {
  CHECK(parse_manifest_target("kube-fledged") == ManifestTarget::kube_fledged);
  CHECK_THROWS_WITH_AS(parse_manifest_target("helm"), doctest::Contains("daemonset"), UsageError);
  auto t = parse_toleration("dedicated:NoExecute");
  CHECK(t.key == "dedicated");
  CHECK(t.op == "Exists");
  CHECK(t.effect == "NoExecute");
  CHECK_THROWS_AS(parse_toleration("k=v:Sometimes"), UsageError);
  CHECK(dns_name("AIGC/SD:v5_final") == "aigc-sd-v5-final");
}

TEST_CASE("daemonset: a plan too large for a ConfigMap is one clear error") {
  auto plan = plan_of("r.example.com/aigc:v5", 2 * GB, GB);
  plan.document["padding"] = std::string(1100 * 1024, 'x');
  ManifestOptions o;
  CHECK_THROWS_WITH_AS(emit_manifests(plan, o), doctest::Contains("ConfigMap"), Error);
}
