#include "coldstart/analyze/layer_changes.hpp"

#include <algorithm>

namespace coldstart::analyze {
namespace {

void put_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

}  // namespace

void LayerChanges::append(Op op, std::string_view path, std::uint64_t size, std::string_view target) {
  std::size_t shared = 0;
  std::size_t limit = std::min(path.size(), previous_.size());
  while (shared < limit && path[shared] == previous_[shared]) ++shared;
  data_.push_back(static_cast<char>(op));
  put_varint(data_, shared);
  put_varint(data_, path.size() - shared);
  put_varint(data_, size);
  data_.append(path.substr(shared));
  if (has_target(op)) {
    put_varint(data_, target.size());
    data_.append(target);
  }
  previous_.assign(path);
  ++count_;
}

}  // namespace coldstart::analyze
