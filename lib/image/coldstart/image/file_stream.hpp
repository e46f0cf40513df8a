// Byte streams over local bytes: a file (or a byte range of one, e.g. a blob inside an
// uncompressed tar) and an in-memory string.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "coldstart/image/source.hpp"

namespace coldstart::image {

// Reads `length` bytes from `offset` (to the end of the file when absent). Throws Error naming
// the path when it cannot be opened; a file shorter than the range just ends early (the
// VerifiedStream above it reports the short blob).
std::unique_ptr<ByteStream> open_file_stream(const std::filesystem::path& path, std::uint64_t offset = 0,
                                             std::optional<std::uint64_t> length = std::nullopt);

std::unique_ptr<ByteStream> open_memory_stream(std::string bytes);

}  // namespace coldstart::image
