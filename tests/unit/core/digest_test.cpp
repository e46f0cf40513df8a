#include <doctest/doctest.h>

#include "coldstart/core/digest.hpp"
#include "coldstart/core/error.hpp"

using namespace coldstart;

TEST_CASE("sha256 matches the known vectors, streamed or whole") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_digest("abc") == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 h;
  h.update("a");
  h.update("bc");
  CHECK(h.hex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("digest strings are validated and compared") {
  auto d = sha256_digest("abc");
  CHECK(is_valid_digest(d));
  CHECK_FALSE(is_valid_digest("sha256:abc"));
  CHECK_FALSE(is_valid_digest("md5:900150983cd24fb0d6963f7d28e17f72"));
  CHECK_FALSE(is_valid_digest("sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
  CHECK_THROWS_AS(require_valid_digest("nope", "manifest"), Error);
  CHECK_NOTHROW(verify_digest(d, d, "blob"));
  try {
    verify_digest(d, sha256_digest("abd"), "blob x");
    FAIL("no throw");
  } catch (const Error& e) {
    std::string m = e.what();
    CHECK(m.find(d) != std::string::npos);
    CHECK(m.find(sha256_digest("abd")) != std::string::npos);
  }
  CHECK(short_digest(d) == "ba7816bf8f01");
}
