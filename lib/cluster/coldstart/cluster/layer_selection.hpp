// Which layers of an image a prewarm fetches: all of them, or by the class the Plan
// (`analyze -o json` / `--plan-out`, docs/plan-schema.md) gave each layer.
#pragma once
#include <string>
#include <vector>

#include "coldstart/image/manifest.hpp"

namespace coldstart::cluster {

enum class LayerFilter { all, stable, volatile_ };
// "all" | "stable" | "volatile"; throws UsageError.
LayerFilter parse_layer_filter(const std::string& text);
std::string to_string(LayerFilter filter);

struct LayerChoice {
  image::Descriptor layer;
  std::string layer_class;  // "stable", "volatile", or "" without a plan
  bool selected = true;
  std::string reason;       // why skipped, e.g. "class volatile, --layers stable"
};

// Classes of layers by blob digest, from a Plan document. The plan image whose versions include
// `manifest_digest` wins, then one whose repository matches `repository`, else every image of the plan.
struct PlanClasses {
  std::vector<std::pair<std::string, std::string>> by_digest;  // digest -> class
  std::string matched;  // which plan image was used ("" = all of them)
  const std::string* find(const std::string& digest) const;
};
PlanClasses read_plan_classes(const std::string& plan_json, const std::string& plan_name,
                              const std::string& manifest_digest, const std::string& repository);

// Layers missing from the plan are new since it was made: they count as volatile.
std::vector<LayerChoice> select_layers(const std::vector<image::Descriptor>& layers, const PlanClasses* plan,
                                       LayerFilter filter);

}  // namespace coldstart::cluster
