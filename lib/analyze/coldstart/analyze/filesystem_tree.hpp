// The stacked filesystem of an image, built layer by layer: additions replace what lower layers
// had at a path, whiteouts delete, opaque markers empty a directory. Every regular file a later
// layer hides is charged as waste to the layer that shipped it. Compact for millions of paths:
// a node is 32 bytes and names are interned once (a component like "__init__.py" is stored once).
// Hard links share their target's bytes (an inode is wasted only when its last name goes), and a
// parent directory that is a symlink is resolved inside the tree, as container runtimes do.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coldstart::analyze {

class FilesystemTree {
 public:
  enum class Kind : std::uint8_t { directory, file, symlink, hardlink, other };

  struct LayerWaste {
    std::uint64_t bytes = 0;
    std::uint64_t files = 0;
  };
  struct NodeInfo {
    bool present = false;
    Kind kind = Kind::other;
    std::uint64_t size = 0;      // a hard link has its inode's size
    std::uint32_t layer = 0;
    bool model_weight = false;   // added as a file with model-weight evidence (or a link to one)
    // walk() only: false for a second name of an inode already seen in this walk (bytes counted once).
    bool first_link = true;
  };
  struct WastedPath {
    std::string path;  // absolute
    std::uint64_t bytes = 0;
    std::uint32_t copies = 0;  // times shipped (hidden copies + the surviving one)
    bool deleted = false;
  };

  explicit FilesystemTree(std::size_t layer_count);
  ~FilesystemTree();
  FilesystemTree(FilesystemTree&&) noexcept;
  FilesystemTree& operator=(FilesystemTree&&) noexcept;

  // At most this many symlinks are followed while resolving one path's parents (as Linux's MAXSYMLINKS).
  static constexpr int kMaxSymlinkHops = 40;

  // `path` is relative and normalised ("usr/lib/x.so": no "", "." or ".." components). A parent that
  // is a symlink is followed (never above the root, at most kMaxSymlinkHops; a loop or a link to a
  // non-directory is replaced by a directory); missing parents are created as directories; a file in
  // the way is replaced. A `hardlink` added here has no target: it carries no bytes.
  void add(std::string_view path, Kind kind, std::uint64_t size, std::uint32_t layer, bool model_weight = false);
  // A symlink whose target (absolute, or relative to the link's directory) resolves parents later.
  void add_symlink(std::string_view path, std::string_view target, std::uint32_t layer);
  // A hard link to `target` (relative to the root, as tar writes it): it shares the target's bytes.
  // A missing target or one that is not a regular file gives a link without bytes.
  void add_hardlink(std::string_view path, std::string_view target, std::uint32_t layer);
  // A whiteout: `path` and everything below it disappear (nothing happens when it is absent).
  void remove(std::string_view path);
  // An opaque directory: everything below `path` from lower layers disappears.
  void clear_directory(std::string_view path);

  // Parents are resolved through symlinks as in add(); the last component is not followed.
  std::optional<NodeInfo> find(std::string_view path) const;
  const std::vector<LayerWaste>& waste() const;
  // Paths with hidden copies, largest waste first (ties by path), at most `limit`.
  std::vector<WastedPath> wasted_paths(std::size_t limit) const;
  std::size_t node_count() const;

  // Walks the final filesystem depth first. `on_entry` sees every present non-root node (path is
  // absolute); `on_directory` sees each present directory after its contents, with the regular-file
  // bytes and file count (files and hard links) below it. An inode with several names counts its
  // bytes once, at the first name walked (NodeInfo::first_link), as du does.
  void walk(const std::function<void(std::string_view path, const NodeInfo& node)>& on_entry,
            const std::function<void(std::string_view path, std::uint64_t bytes, std::uint64_t files)>&
                on_directory) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace coldstart::analyze
