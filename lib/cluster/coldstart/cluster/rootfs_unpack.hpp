// Unpacking image layers into a root filesystem the way a container runtime does (containerd's
// applier): entries written in order, OCI whiteouts applied (.wh.NAME deletes NAME from lower
// layers, .wh..wh..opq empties a directory of lower-layer content), and nothing ever written
// outside the root: absolute and ".." entry names are rejected, and symlinks met on the way
// are resolved inside the root, as if it were chroot'ed.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>

#include "coldstart/image/layer_stream.hpp"

namespace coldstart::cluster {

// A temporary directory removed with everything in it when this goes out of scope.
class TempDir {
 public:
  // Creates a fresh directory "<parent>/<prefix>XXXXXX" (parent: $TMPDIR or /tmp when empty).
  explicit TempDir(const std::string& prefix, std::filesystem::path parent = {});
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct UnpackStats {
  std::uint64_t entries = 0;
  std::uint64_t files = 0;
  std::uint64_t directories = 0;
  std::uint64_t links = 0;            // symlinks and hard links
  std::uint64_t whiteouts = 0;        // .wh. files and opaque markers applied
  std::uint64_t skipped = 0;          // devices, fifos: not created (bench runs unprivileged too)
  std::uint64_t bytes_written = 0;    // regular file content
};

// Writes one layer's entries under `root` (an existing directory). Throws Error naming `what` on
// an unsafe entry name, a hard link leaving the root, or an I/O failure. Directories get at least
// u+rwx so later layers can write into them and the rootfs can always be removed.
UnpackStats unpack_layer(image::LayerStream& layer, const std::filesystem::path& root, const std::string& what);

// Resolves `relative` (components separated by '/') under `root`, following symlinks in it as if
// `root` were "/" (".." stops at the root). The last component is followed only when
// `follow_last` is set. Exposed for tests.
std::filesystem::path resolve_in_root(const std::filesystem::path& root, const std::string& relative,
                                      bool follow_last);

}  // namespace coldstart::cluster
