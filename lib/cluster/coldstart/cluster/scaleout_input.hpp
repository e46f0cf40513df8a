// Inputs of the scale-out model from the command line: an image from a Plan document
// (docs/plan-schema.md), or from a size and a stable fraction; bandwidths such as "10Gbit/s".
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "coldstart/cluster/scaleout_model.hpp"

namespace coldstart::cluster {

// The newest version of one plan image: its bytes, stable (cache) bytes and largest layers.
// `repository` picks an image ("" = the only one). Throws Error naming `file` when the document
// is not a coldstart plan or the image is missing; UsageError when several images need a choice.
ScaleoutImage scaleout_image_from_plan(const nlohmann::json& plan, std::string_view file, std::string_view repository);

// An image of `image_bytes` whose `stable_fraction` (0..1) is stable; layer sizes unknown.
ScaleoutImage scaleout_image_from_size(double image_bytes, double stable_fraction);

// A node's unpack rate in compressed bytes/s from a `coldstart bench pull -o json` document: the
// first run with an unpack phase, compressed_bytes / median unpack seconds. Throws Error naming
// `file` when no run has one (bench pull --no-unpack, or not a bench pull document).
double unpack_rate_from_bench_pull(const nlohmann::json& bench, std::string_view file);


// "1,10,100,1000" -> counts, each >= 1, increasing order kept as given. Throws UsageError.
std::vector<std::uint64_t> parse_node_counts(std::string_view text);

}  // namespace coldstart::cluster
