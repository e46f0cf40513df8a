// Whether a file is model weights, decided by evidence rather than by its name alone: the first
// bytes (GGUF / legacy GGML magic, a PyTorch zip whose first entry is data.pkl or version, a pickle
// protocol 2-5 header, an ONNX ModelProto), then size and location for formats without a magic.
// Python's `.pth` path files in site-packages are text and never weights.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace coldstart::analyze {

// Leading bytes read from a candidate file (one with a model_weight_format extension) while streaming.
constexpr std::size_t kModelWeightSniffBytes = 256;
// A .bin/.pt/.pth/.ckpt without any known magic counts as weights from this size on.
constexpr std::uint64_t kUnrecognisedWeightMinBytes = 256ull * 1024 * 1024;

// The evidence ("gguf magic", "pytorch zip", "pickle", "onnx protobuf", "size") that `path` (absolute,
// with a weight extension) of `size` bytes is model weights, given its first bytes `head`
// (at most kModelWeightSniffBytes; fewer when the file is shorter). Empty when there is none.
// .safetensors files are judged by their header (read_safetensors_header), not here.
std::string_view model_weight_evidence(std::string_view path, std::string_view head, std::uint64_t size);

}  // namespace coldstart::analyze
