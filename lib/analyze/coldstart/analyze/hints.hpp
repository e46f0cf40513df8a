// Hints: what to change in an image so nodes fetch less per release. Each names the layer and
// the build step (created_by) and says what to do.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "coldstart/analyze/deep_analysis.hpp"
#include "coldstart/analyze/fleet.hpp"
#include "coldstart/analyze/stability.hpp"

namespace coldstart::analyze {

struct Hint {
  // "volatile_below_stable" | "duplicate_layer" | "recompressed_layer" | "model_weights"
  std::string kind;
  std::string repository;
  std::string layer_id;     // the layer concerned (diff_id or digest), may be empty
  std::string created_by;   // its build step, may be empty
  std::uint64_t bytes = 0;  // bytes at stake
  std::string evidence;     // how it was found, e.g. "created_by mentions .safetensors" or "--deep: 2 files"
  std::string message;      // one line: what is wrong and what to do
};

struct HintOptions {
  // A volatile layer at least this big is reported as probable model weights (data, not code).
  std::uint64_t model_layer_min_bytes = 1ull << 30;
};

// Why a layer probably holds model weights, from manifest-level facts only: its build step names
// a weight file (.safetensors .bin .pt .ckpt .gguf .onnx) or copies a models/weights/checkpoints
// directory, or it is a huge volatile layer.
// Empty when there is no such sign.
std::string model_weight_evidence(const LayerStability& layer, const HintOptions& options);

// `deep[i]` is the --deep report of series[i]'s newest version, or null when --deep did not run.
std::vector<Hint> find_hints(const std::vector<SeriesStability>& series, const FleetView& fleet,
                             const std::vector<const DeepReport*>& deep, const HintOptions& options);

}  // namespace coldstart::analyze
