#include "coldstart/core/digest.hpp"

#include <openssl/evp.h>

#include <cctype>

#include "coldstart/core/error.hpp"

namespace coldstart {

struct Sha256::State {
  EVP_MD_CTX* ctx = nullptr;
  bool finished = false;
  ~State() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  state_->ctx = EVP_MD_CTX_new();
  if (!state_->ctx || EVP_DigestInit_ex(state_->ctx, EVP_sha256(), nullptr) != 1)
    throw Error("cannot initialise SHA-256 (OpenSSL)");
}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(const void* data, std::size_t size) {
  if (size) EVP_DigestUpdate(state_->ctx, data, size);
}

std::string Sha256::hex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(state_->ctx, md, &len);
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(digits[md[i] >> 4]);
    out.push_back(digits[md[i] & 15]);
  }
  return out;
}

std::string Sha256::digest() { return "sha256:" + hex(); }

std::string sha256_hex(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.hex();
}

std::string sha256_digest(std::string_view data) { return "sha256:" + sha256_hex(data); }

bool is_valid_digest(std::string_view digest) {
  auto colon = digest.find(':');
  if (colon == std::string_view::npos) return false;
  auto alg = digest.substr(0, colon);
  auto enc = digest.substr(colon + 1);
  std::size_t want = alg == "sha256" ? 64 : alg == "sha512" ? 128 : 0;
  if (want == 0 || enc.size() != want) return false;
  for (char c : enc)
    if (!std::isxdigit(static_cast<unsigned char>(c)) || std::isupper(static_cast<unsigned char>(c))) return false;
  return true;
}

void require_valid_digest(std::string_view digest, std::string_view what) {
  if (!is_valid_digest(digest))
    throw Error("invalid digest '" + std::string(digest) + "' in " + std::string(what),
                "expected sha256:<64 lowercase hex>");
}

void verify_digest(std::string_view expected, std::string_view actual, std::string_view what) {
  if (expected != actual)
    throw Error("digest mismatch for " + std::string(what) + ": expected " + std::string(expected) + ", got " +
                    std::string(actual),
                "the content is corrupt or was changed; fetch it again");
}

std::string short_digest(std::string_view digest) {
  auto colon = digest.find(':');
  auto enc = colon == std::string_view::npos ? digest : digest.substr(colon + 1);
  return std::string(enc.substr(0, 12));
}

}  // namespace coldstart
