// What one layer does to the filesystem, recorded compactly while the layer streams (paths
// prefix-compressed against the previous entry, sizes as varints: ~25 bytes per entry), so layers
// analysed in parallel can be applied in layer order afterwards without holding tar headers.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace coldstart::analyze {

class LayerChanges {
 public:
  enum class Op : std::uint8_t { directory, file, symlink, hardlink, other, whiteout, opaque };

  // `path` is relative and normalised. For a whiteout it names the deleted path; for opaque the directory.
  void append(Op op, std::string_view path, std::uint64_t size = 0);
  std::size_t count() const { return count_; }
  std::size_t memory_bytes() const { return data_.capacity(); }

  // Calls f(Op, std::string_view path, std::uint64_t size) for every change, in order.
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
