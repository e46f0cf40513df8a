// Fuzz input as an image::ByteStream (the targets over lib/image and lib/analyze).
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string_view>

#include "coldstart/image/source.hpp"

namespace coldstart::fuzz {

// Serves bytes in small uneven reads, as a network or pipe would.
class MemoryStream : public image::ByteStream {
 public:
  explicit MemoryStream(std::string_view bytes) : bytes_(bytes) {}
  std::size_t read(char* buffer, std::size_t size) override {
    std::size_t n = std::min({size, bytes_.size() - offset_, chunk_});
    if (n == 0) return 0;
    std::memcpy(buffer, bytes_.data() + offset_, n);
    offset_ += n;
    chunk_ = chunk_ % 4093 + 1021;  // varies the read sizes the parser sees
    return n;
  }

 private:
  std::string_view bytes_;
  std::size_t offset_ = 0;
  std::size_t chunk_ = 1021;
};

}  // namespace coldstart::fuzz
