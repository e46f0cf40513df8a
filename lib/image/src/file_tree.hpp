// Internal: a read-only tree of files, either a directory or the entries of a tar archive,
// so the OCI-layout and docker-archive readers work the same on both.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "coldstart/image/source.hpp"

namespace coldstart::image::detail {

class FileTree {
 public:
  virtual ~FileTree() = default;
  // "directory DIR" or "archive FILE", for messages.
  virtual std::string describe() const = 0;
  // Size of a regular file (after following links inside the tree); nullopt when missing.
  virtual std::optional<std::uint64_t> file_size(const std::string& path) const = 0;
  // Streams a file; throws Error when it is missing.
  virtual std::unique_ptr<ByteStream> open(const std::string& path) const = 0;
  bool exists(const std::string& path) const { return file_size(path).has_value(); }
  // Reads a small file whole; throws when missing or larger than `limit`.
  std::string read_small(const std::string& path, std::size_t limit) const;
};

// Throws Error when `dir` is not a directory.
std::unique_ptr<FileTree> open_directory_tree(const std::filesystem::path& dir);
// Indexes a tar archive (plain: blobs are read in place by offset; compressed: the regular
// files are unpacked to $TMPDIR/coldstart-archive-XXXXXX, at most the free space there minus
// 1 GiB or COLDSTART_UNPACK_LIMIT bytes, removed with the tree and on any error while indexing).
// Throws Error on a missing, truncated or non-tar file.
std::unique_ptr<FileTree> open_tar_tree(const std::filesystem::path& file);

}  // namespace coldstart::image::detail
