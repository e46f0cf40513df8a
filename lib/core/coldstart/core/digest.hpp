// SHA-256 digests (OpenSSL EVP) and the "sha256:<hex>" digest strings of OCI.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace coldstart {

// Incremental SHA-256; feed bytes as they stream by, call hex() once at the end.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  void update(const void* data, std::size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  std::string hex();     // 64 lowercase hex chars; finalises
  std::string digest();  // "sha256:<hex>"; finalises

 private:
  struct State;
  std::unique_ptr<State> state_;
};

std::string sha256_hex(std::string_view data);
std::string sha256_digest(std::string_view data);  // "sha256:<hex>"

// Validates "algorithm:encoded" (sha256 with 64 hex, sha512 with 128 hex).
bool is_valid_digest(std::string_view digest);
// Throws Error naming `what` when the digest string is malformed.
void require_valid_digest(std::string_view digest, std::string_view what);
// Throws Error naming both digests when `actual` != `expected`.
void verify_digest(std::string_view expected, std::string_view actual, std::string_view what);
// "sha256:0123456789ab..." -> "0123456789ab" (12 hex chars), for tables.
std::string short_digest(std::string_view digest);

}  // namespace coldstart
