// Internal: writes one image layer into an overlayfs snapshot's upper directory exactly as
// containerd 1.6's applier does (archive.Apply with OverlayConvertWhiteout), so a snapshot that
// coldstart unpacked cannot be told apart from one containerd unpacked. The rules copied, each
// checked against a containerd unpack by tests/integration/prewarm_unpack_fidelity.sh:
//  - names are cleaned; a leading "/" counts from the root; the root entry itself is skipped;
//    symlinks in the parent path are followed inside the upper directory only;
//  - an existing path is removed first unless both are directories (then only metadata changes);
//  - numeric uid/gid (names ignored), then SCHILY xattrs (ENOTSUP ignored), then the exact mode
//    (setuid included; not for symlinks), then atime = max(atime, mtime) and mtime, without
//    following symlinks; directories get their times again after the last entry;
//  - overlay whiteouts: ".wh.NAME" becomes a 0/0 character device NAME owned by the entry's ids,
//    ".wh..wh..opq" sets trusted.overlay.opaque=y on its directory. The bottom layer has nothing
//    below it, so there (as in containerd's bind-mount apply) a whiteout removes what this layer
//    wrote, and an opaque marker keeps only what this layer wrote;
//  - a missing parent directory is created 0755 root:root and reported in `implicit_dirs`:
//    containerd copies its owner, mode and xattrs from the first lower layer that has it, which
//    the caller does with copy_parent_attributes() once the lower directories are known.
// Deliberately stricter than containerd: ".." in a name or link target is refused (containerd
// clamps it at the root), so a hostile layer falls back to containerd's own unpack.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "coldstart/image/layer_stream.hpp"

namespace coldstart::cluster::detail {

struct UpperWrite {
  std::string diff_id;                     // of the uncompressed stream, to check against the config
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;                 // regular file content written
  std::vector<std::string> implicit_dirs;  // relative paths, parents first, never given an entry
};

// `bottom`: the first layer of the image (no lower layers; whiteouts remove instead of marking).
// Throws Error naming `what` on an entry it will not write or an I/O failure; the directory is
// then half written and must be discarded.
UpperWrite write_layer_to_upper(image::LayerStream& layer, const std::filesystem::path& upper, bool bottom,
                                const std::string& what);

// containerd's mkparent for directories this layer did not describe: the owner, mode and
// non-trusted xattrs of the first lower directory (top-most first) that has the path; when the
// first lower that has it holds something else there (replaced), the defaults stay.
void copy_parent_attributes(const std::filesystem::path& upper, const std::vector<std::string>& implicit_dirs,
                            const std::vector<std::filesystem::path>& lowers);

}  // namespace coldstart::cluster::detail
