// The Plan: per image, which layers go to the node cache (stable) and which travel P2P
// (volatile), what that saves per release, and hints. Its JSON form is a stable, documented
// schema (docs/plan-schema.md, docs/schemas/plan.schema.json) read by prewarm and bench.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coldstart/analyze/deep_analysis.hpp"
#include "coldstart/analyze/fleet.hpp"
#include "coldstart/analyze/hints.hpp"
#include "coldstart/analyze/stability.hpp"

namespace coldstart::analyze {

constexpr int kPlanSchemaVersion = 1;

// cache: pre-place on nodes (node image cache); p2p: distribute per release peer-to-peer;
// none: no longer in the newest version, nothing to place.
enum class Destination { cache, p2p, none };
std::string_view to_string(Destination destination);

struct PlanLayer {
  LayerStability stability;
  Destination destination = Destination::cache;
  bool fleet_shared = false;  // also in the newest version of another repository
};

struct PlanImage {
  std::string repository;
  std::vector<ImageVersion> versions;  // oldest first; the newest is what nodes will pull
  std::vector<PlanLayer> layers;       // the newest version's layers bottom-up, then retired ones
  std::uint64_t image_bytes = 0;       // newest version, compressed
  std::uint64_t cache_bytes = 0;       // its layers placed in the node cache
  std::uint64_t p2p_bytes = 0;         // its layers distributed per release
  // A cold node pulls the whole image from the registry without the plan; with it, only the
  // volatile layers (from peers), the rest is already in its cache.
  std::uint64_t node_fetch_without_plan_bytes = 0;
  std::uint64_t node_fetch_with_plan_bytes = 0;
  double changed_bytes_per_release = 0;  // mean bytes of new layers per release in the series
  std::optional<DeepReport> deep;        // when --deep ran on the newest version
  const ImageVersion& newest() const { return versions.back(); }
};

struct Plan {
  int schema_version = kPlanSchemaVersion;
  std::string generated_at;  // RFC 3339 UTC
  StabilityOptions options;
  std::vector<PlanImage> images;
  FleetView fleet;
  std::vector<Hint> hints;
  // Fleet totals for a node that runs every image (each distinct layer counted once).
  std::uint64_t node_fetch_without_plan_bytes = 0;
  std::uint64_t node_fetch_with_plan_bytes = 0;
};

// `deep` is empty or one optional report per series (moved into the plan).
Plan build_plan(std::vector<SeriesStability> series, const StabilityOptions& options,
                std::vector<std::optional<DeepReport>> deep, const HintOptions& hint_options);

// The documented JSON document. `deep_json` renders a DeepReport (the deep analysis owns its schema).
nlohmann::ordered_json plan_to_json(const Plan& plan,
                                    nlohmann::ordered_json (*deep_json)(const DeepReport&) = nullptr);

}  // namespace coldstart::analyze
