// The header of a .safetensors file: 8-byte little-endian length, then a JSON object of
// tensor name -> {dtype, shape, data_offsets} (plus an optional "__metadata__").
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "coldstart/image/source.hpp"

namespace coldstart::analyze {

// Headers larger than this are refused (a hostile file could claim any length).
constexpr std::uint64_t kMaxSafetensorsHeaderBytes = 100ull * 1024 * 1024;

struct SafetensorsSummary {
  std::uint64_t header_bytes = 0;       // the JSON length from the first 8 bytes
  std::uint64_t tensor_count = 0;
  std::uint64_t parameter_count = 0;    // sum over tensors of the product of the shape
  std::map<std::string, std::uint64_t> dtypes;  // dtype -> tensor count, e.g. {"F16": 291}
};

// Parses the JSON header text (without the 8-byte prefix); "__metadata__" is ignored.
// Throws Error naming `what` on malformed JSON, a bad shape or an overflowing count.
SafetensorsSummary parse_safetensors_header(std::string_view json, std::string_view what);

// Reads the length prefix and the header from `stream` (the file contents from its start), leaving
// the tensor data unread. Throws Error naming `what` when short, oversized (> max_header) or malformed.
SafetensorsSummary read_safetensors_header(image::ByteStream& stream, std::uint64_t file_size, std::string_view what,
                                           std::uint64_t max_header = kMaxSafetensorsHeaderBytes);

}  // namespace coldstart::analyze
