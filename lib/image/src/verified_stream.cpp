#include "coldstart/image/verified_stream.hpp"

#include <fmt/format.h>

#include "coldstart/core/error.hpp"

namespace coldstart::image {

VerifiedStream::VerifiedStream(std::unique_ptr<ByteStream> inner, const Descriptor& expected, std::string what)
    : inner_(std::move(inner)), digest_(expected.digest), size_(expected.size), what_(std::move(what)) {
  require_valid_digest(digest_, what_);
  // A sha512 descriptor is valid OCI, but hashing it as SHA-256 would report corruption.
  if (!digest_.starts_with("sha256:"))
    throw Error(fmt::format("{} ({}) uses an unsupported digest algorithm", what_, digest_),
                "coldstart verifies sha256 digests only; copy the image with sha256 digests (skopeo copy)");
}

std::size_t VerifiedStream::read(char* buffer, std::size_t size) {
  if (verified_) return 0;
  std::size_t n = inner_->read(buffer, size);
  if (n > 0) {
    count_ += n;
    if (size_ >= 0 && count_ > static_cast<std::uint64_t>(size_))
      throw Error(fmt::format("{} ({}) is longer than the {} bytes its descriptor says", what_, digest_, size_),
                  "the blob is corrupt or the manifest is wrong");
    hash_.update(buffer, n);
    return n;
  }
  if (size_ >= 0 && count_ != static_cast<std::uint64_t>(size_))
    throw Error(fmt::format("{} ({}) ended after {} of {} bytes", what_, digest_, count_, size_),
                "the blob or archive is truncated; fetch or copy it again");
  verify_digest(digest_, hash_.digest(), what_);
  verified_ = true;
  return 0;
}

std::unique_ptr<ByteStream> verify_stream(std::unique_ptr<ByteStream> inner, const Descriptor& expected,
                                          std::string what) {
  return std::make_unique<VerifiedStream>(std::move(inner), expected, std::move(what));
}

}  // namespace coldstart::image
