// What the manifest emitters need from a Plan (`coldstart analyze -o json` / --plan-out,
// docs/plan-schema.md): per image, the reference nodes pull, its size, and its cache (stable)
// and p2p (volatile) layers. Read from the documented JSON, so lib/cluster does not depend on
// lib/analyze.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace coldstart::cluster {

struct PlanLayerRef {
  std::string digest;
  std::uint64_t size_bytes = 0;
};

struct PrewarmImage {
  std::string repository;       // as in the plan: "oci:examples/images/aigc", "127.0.0.1:5000/aigc"
  std::string reference;        // newest.reference
  std::string tag;              // newest.tag
  std::string manifest_digest;  // newest.manifest_digest
  std::string pull_reference;   // what nodes pull: the registry reference (see resolve_pull_references)
  std::uint64_t image_bytes = 0;
  std::uint64_t cache_bytes = 0;
  std::uint64_t p2p_bytes = 0;
  std::vector<PlanLayerRef> cache_layers;
  std::vector<PlanLayerRef> p2p_layers;
};

struct PrewarmPlan {
  std::vector<PrewarmImage> images;
  nlohmann::json document;  // the plan as read, `deep` reports removed (it travels in a ConfigMap)
};

// Parses a plan document; throws Error naming `source` and the key that is missing or wrong.
PrewarmPlan parse_prewarm_plan(const nlohmann::json& document, const std::string& source);
PrewarmPlan read_prewarm_plan(const std::filesystem::path& path);

// Sets each image's pull_reference. A plan made from a registry (`REF` or `docker://REF`) already
// has it; one made from oci:/oci-archive:/docker-archive: needs an override, given in plan order
// (`--image REF`, one per image). Throws UsageError naming the image that has none.
void resolve_pull_references(PrewarmPlan& plan, const std::vector<std::string>& overrides);

}  // namespace coldstart::cluster
