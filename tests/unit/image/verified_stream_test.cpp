#include <doctest/doctest.h>

#include "coldstart/core/digest.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/image/file_stream.hpp"
#include "coldstart/image/verified_stream.hpp"
#include "local_image_fixture.hpp"

using namespace coldstart;
using namespace coldstart::image;

namespace {

Descriptor descriptor_of(const std::string& bytes) {
  Descriptor d;
  d.media_type = std::string(media_type::oci_layer_tar);
  d.digest = sha256_digest(bytes);
  d.size = static_cast<std::int64_t>(bytes.size());
  return d;
}

// Reads in small chunks so the checks run across many read() calls.
std::string drain(ByteStream& s) {
  std::string out;
  char buf[7];
  while (std::size_t n = s.read(buf, sizeof buf)) out.append(buf, n);
  return out;
}

std::string error_of(ByteStream& s) {
  try {
    drain(s);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a verified stream passes the bytes through and counts them") {
  std::string data = "the quick brown fox jumps over the lazy dog";
  VerifiedStream s(open_memory_stream(data), descriptor_of(data), "layer 0");
  CHECK(drain(s) == data);
  CHECK(s.bytes_read() == data.size());
  char c;
  CHECK(s.read(&c, 1) == 0);  // stays at the end
}

TEST_CASE("a digest mismatch at the end names both digests") {
  std::string data = "original content";
  Descriptor d = descriptor_of(data);
  std::string corrupt = data;
  corrupt[3] ^= 1;
  VerifiedStream s(open_memory_stream(corrupt), d, "layer 2 of oci:x");
  std::string m = error_of(s);
  CHECK(m.find("digest mismatch") != std::string::npos);
  CHECK(m.find(d.digest) != std::string::npos);
  CHECK(m.find(sha256_digest(corrupt)) != std::string::npos);
  CHECK(m.find("layer 2 of oci:x") != std::string::npos);
}

TEST_CASE("short and long blobs are errors, the long one as soon as it overflows") {
  std::string data = "0123456789";
  Descriptor d = descriptor_of(data);
  VerifiedStream shorter(open_memory_stream(data.substr(0, 6)), d, "blob");
  std::string m = error_of(shorter);
  CHECK(m.find("ended after 6 of 10 bytes") != std::string::npos);

  VerifiedStream longer(open_memory_stream(data + "extra-bytes-that-never-end"), d, "blob");
  char buf[8];
  CHECK(longer.read(buf, 8) == 8);
  CHECK_THROWS_WITH_AS(longer.read(buf, 8), doctest::Contains("longer than the 10 bytes"), Error);

  Descriptor unknown_size = d;
  unknown_size.size = -1;  // only the digest is checked
  VerifiedStream any(open_memory_stream(data), unknown_size, "blob");
  CHECK(drain(any) == data);
}

TEST_CASE("a descriptor with a malformed digest is refused up front") {
  Descriptor d = descriptor_of("x");
  d.digest = "sha256:zz";
  CHECK_THROWS_AS(VerifiedStream(open_memory_stream("x"), d, "blob"), Error);
}

TEST_CASE("file streams read whole files and byte ranges") {
  fixture::TempDir tmp;
  fixture::write(tmp.path / "f", "hello, world");
  auto all = open_file_stream(tmp.path / "f");
  CHECK(drain(*all) == "hello, world");
  auto range = open_file_stream(tmp.path / "f", 7, 5);
  CHECK(drain(*range) == "world");
  auto past = open_file_stream(tmp.path / "f", 10, 100);  // a short file just ends
  CHECK(drain(*past) == "ld");
  CHECK_THROWS_AS(open_file_stream(tmp.path / "missing"), Error);
}
