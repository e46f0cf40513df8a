// bench simulate's result for every node count and strategy, and its renderings: JSON
// (schema_version 1, docs/bench-simulate.md), a table, Markdown and an SVG chart of time against N.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "coldstart/cluster/scaleout_model.hpp"

namespace coldstart::cluster {

constexpr int kScaleoutSchemaVersion = 1;

struct ScaleoutRun {
  std::string source;  // "plan FILE" or "flags"
  ScaleoutImage image;
  ScaleoutParameters parameters;
  std::vector<std::uint64_t> nodes;
  std::vector<std::vector<ScaleoutTime>> times;  // [node count][strategy, in kStrategies order]
};

ScaleoutRun run_scaleout(const ScaleoutImage& image, const ScaleoutParameters& parameters, std::vector<std::uint64_t> nodes,
                         std::string source);

nlohmann::ordered_json scaleout_to_json(const ScaleoutRun& run);
std::string scaleout_table(const ScaleoutRun& run);
std::string scaleout_markdown(const ScaleoutRun& run);
std::string scaleout_chart_svg(const ScaleoutRun& run);

}  // namespace coldstart::cluster
