// What one layer does to the filesystem, recorded compactly while the layer streams (paths
// prefix-compressed against the previous entry, sizes as varints: ~25 bytes per entry), so layers
// analysed in parallel can be applied in layer order afterwards without holding tar headers.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace coldstart::analyze {

class LayerChanges {
 public:
  // model_weight_file: a regular file with model-weight evidence in its first bytes.
  enum class Op : std::uint8_t { directory, file, symlink, hardlink, other, whiteout, opaque, model_weight_file };

  // `path` is relative and normalised. For a whiteout it names the deleted path; for opaque the directory.
  // `target` is kept for symlinks (as written) and hard links (normalised, from the root) only.
  void append(Op op, std::string_view path, std::uint64_t size = 0, std::string_view target = {});
  std::size_t count() const { return count_; }
  std::size_t memory_bytes() const { return data_.capacity(); }

  static bool has_target(Op op) { return op == Op::symlink || op == Op::hardlink; }

  // Calls f(Op, std::string_view path, std::uint64_t size[, std::string_view target]) for every
  // change, in order.
  template <typename F>
  void for_each(F&& f) const {
    std::string path;
    std::size_t pos = 0;
    while (pos < data_.size()) {
      auto op = static_cast<Op>(data_[pos++]);
      std::uint64_t shared = varint(pos), suffix = varint(pos), size = varint(pos);
      path.resize(shared);
      path.append(data_, pos, suffix);
      pos += suffix;
      std::string_view target;
      if (has_target(op)) {
        std::uint64_t length = varint(pos);
        target = std::string_view(data_).substr(pos, length);
        pos += length;
      }
      if constexpr (std::is_invocable_v<F&, Op, std::string_view, std::uint64_t, std::string_view>)
        f(op, std::string_view(path), size, target);
      else
        f(op, std::string_view(path), size);
    }
  }

 private:
  std::uint64_t varint(std::size_t& pos) const {
    std::uint64_t value = 0;
    for (int shift = 0;; shift += 7) {
      auto byte = static_cast<unsigned char>(data_[pos++]);
      value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return value;
    }
  }
  std::string data_;
  std::string previous_;
  std::size_t count_ = 0;
};

}  // namespace coldstart::analyze
