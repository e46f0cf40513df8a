// Files that appear whole or not at all: write to a temp file beside the target, fsync, rename.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>

namespace coldstart {

// Reads a whole file; throws Error naming the path. `limit` caps what is read (0 = no cap).
std::string read_file(const std::filesystem::path& path, std::size_t limit = 0);
// Writes atomically (temp + fsync + rename); no partial file is ever visible at `path`.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

}  // namespace coldstart
