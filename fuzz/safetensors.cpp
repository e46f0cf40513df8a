// The header of a .safetensors file: 8-byte little-endian length, then JSON.
#include "coldstart/analyze/safetensors.hpp"
#include "fuzz_common.hpp"
#include "memory_stream.hpp"

using namespace coldstart;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto bytes = fuzz::as_text(data, size);
  fuzz::expect_error_only([&] {
    fuzz::MemoryStream stream(bytes);
    (void)analyze::read_safetensors_header(stream, size, "fuzz.safetensors", 1 << 20);
  });
  // A tar entry may claim more bytes than the stream holds.
  fuzz::expect_error_only([&] {
    fuzz::MemoryStream stream(bytes);
    (void)analyze::read_safetensors_header(stream, size + 4096, "fuzz.safetensors", 1 << 20);
  });
  fuzz::expect_error_only([&] { (void)analyze::parse_safetensors_header(bytes, "fuzz.safetensors"); });
  return 0;
}
