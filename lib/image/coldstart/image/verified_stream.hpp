// The wrapper every blob read goes through: it hashes and counts bytes as they pass and
// throws at the end when the size or the digest differs from the descriptor.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "coldstart/core/digest.hpp"
#include "coldstart/image/source.hpp"

namespace coldstart::image {

class VerifiedStream : public ByteStream {
 public:
  // `expected.size` < 0 means the size is unknown (only the digest is checked).
  // `what` names the blob in messages, e.g. "layer 2 of oci:dir:v1".
  VerifiedStream(std::unique_ptr<ByteStream> inner, const Descriptor& expected, std::string what);
  // Throws Error: more bytes than the descriptor's size, a short blob, or a digest mismatch
  // (detected when the inner stream reports its end).
  std::size_t read(char* buffer, std::size_t size) override;
  std::uint64_t bytes_read() const { return count_; }

 private:
  std::unique_ptr<ByteStream> inner_;
  std::string digest_;
  std::int64_t size_;
  std::string what_;
  Sha256 hash_;
  std::uint64_t count_ = 0;
  bool verified_ = false;
};

std::unique_ptr<ByteStream> verify_stream(std::unique_ptr<ByteStream> inner, const Descriptor& expected,
                                          std::string what);

}  // namespace coldstart::image
