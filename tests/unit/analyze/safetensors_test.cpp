#include <doctest/doctest.h>

#include "coldstart/core/error.hpp"
#include "coldstart/analyze/safetensors.hpp"
#include "../image/layer_fixture.hpp"

using namespace coldstart::image;
using namespace coldstart::analyze;

namespace {

std::string with_prefix(const std::string& header, const std::string& data = "") {
  std::string out(8, '\0');
  std::uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + data;
}

std::string error_of(const std::string& json) {
  try {
    parse_safetensors_header(json, "model.safetensors");
  } catch (const coldstart::Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("a safetensors header gives tensor count, dtypes and the exact parameter count") {
  auto s = parse_safetensors_header(
      R"({"__metadata__":{"format":"pt","shape":"[1,2]"},)"
      R"("embed.weight":{"dtype":"F16","shape":[32000,4096],"data_offsets":[0,262144000]},)"
      R"("norm.weight":{"dtype":"F32","shape":[4096],"data_offsets":[262144000,262160384]},)"
      R"("scale":{"dtype":"F32","shape":[],"data_offsets":[262160384,262160388]},)"
      R"("empty":{"dtype":"BF16","shape":[0,7],"data_offsets":[262160388,262160388]}})",
      "model.safetensors");
  CHECK(s.tensor_count == 4);
  CHECK(s.parameter_count == 32000ull * 4096 + 4096 + 1 + 0);
  CHECK(s.dtypes.at("F16") == 1);
  CHECK(s.dtypes.at("F32") == 2);
  CHECK(s.dtypes.at("BF16") == 1);
  CHECK(s.dtypes.count("pt") == 0);
}

TEST_CASE("the header is read from a stream without touching the tensor data") {
  std::string header = R"({"w":{"dtype":"I8","shape":[2,3],"data_offsets":[0,6]}})" + std::string(6, ' ');
  auto bytes = with_prefix(header, "abcdef");
  layer_fixture::ChunkedStream stream(bytes, 3);
  auto s = read_safetensors_header(stream, bytes.size(), "w.safetensors");
  CHECK(s.parameter_count == 6);
  CHECK(s.header_bytes == header.size());
  char rest[16];
  CHECK(stream.read(rest, sizeof rest) == 3);  // the chunk size: data is still there, unread
}

TEST_CASE("malformed safetensors headers are refused with the reason") {
  CHECK(error_of("[1,2]").find("not an object") != std::string::npos);
  CHECK(error_of(R"({"a":{"dtype":"F16","shape":[2,-1]}})").find("negative dimension") != std::string::npos);
  CHECK(error_of(R"({"a":{"dtype":"F16","shape":[2.5]}})").find("non-integer") != std::string::npos);
  CHECK(error_of(R"({"a":{"shape":[2]}})").find("no dtype") != std::string::npos);
  CHECK(error_of(R"({"a":{"dtype":"F16"}})").find("no shape") != std::string::npos);
  CHECK(error_of(R"({"a":7})").find("not an object") != std::string::npos);
  CHECK(error_of(R"({"a":{"dtype":"F16","shape":[4294967296,4294967296]}})").find("overflows") != std::string::npos);
  CHECK(error_of(R"({"a":{"dtype":"F16","shape":[2]})").find("invalid JSON") != std::string::npos);
  CHECK(error_of("").find("model.safetensors") != std::string::npos);

  std::string too_long = with_prefix("{}");
  too_long[0] = '\x40';  // claims 64 bytes, has 2
  layer_fixture::ChunkedStream s1(too_long);
  CHECK_THROWS_WITH_AS(read_safetensors_header(s1, too_long.size(), "x.safetensors"),
                       doctest::Contains("but the file has"), coldstart::Error);
  std::string huge(8, '\xff');
  layer_fixture::ChunkedStream s2(huge);
  CHECK_THROWS_WITH_AS(read_safetensors_header(s2, 1ull << 40, "x.safetensors", 1024),
                       doctest::Contains("over the 1024-byte limit"), coldstart::Error);
  layer_fixture::ChunkedStream s3(std::string("\x05\x00", 2));
  CHECK_THROWS_WITH_AS(read_safetensors_header(s3, 2, "x.safetensors"), doctest::Contains("8-byte"),
                       coldstart::Error);
}
