// The files a prewarm command works on: PATH arguments expanded the way a user expects
// (regular files, directories recursively, shell globs), each file once, in argument order.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace coldstart::cluster {

struct FileEntry {
  std::filesystem::path path;
  std::uint64_t size_bytes = 0;
};

// Expands files, directories (recursively, symlinks to files followed, directory symlinks not)
// and globs (*, ?, [...]). Throws Error naming the first argument that matches nothing or
// cannot be read. Duplicates (the same file reached twice) are kept once.
std::vector<FileEntry> expand_paths(const std::vector<std::string>& arguments);

}  // namespace coldstart::cluster
