// The WWW-Authenticate header of a registry's 401 answer (and the base64 of Basic credentials).
#include <string>
#include <vector>

#include "coldstart/image/auth.hpp"
#include "fuzz_common.hpp"

using namespace coldstart;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto header = fuzz::as_text(data, size);
  for (const auto& challenge : image::parse_www_authenticate(header)) {
    (void)challenge.param("realm");
    (void)challenge.param("scope");
  }
  // Several header values (newline-separated here), as curl collects them.
  std::vector<std::string> values;
  for (std::size_t start = 0; start <= header.size();) {
    auto end = header.find('\n', start);
    if (end == std::string_view::npos) end = header.size();
    values.emplace_back(header.substr(start, end - start));
    start = end + 1;
  }
  (void)image::find_challenge(values, "bearer");
  (void)image::find_challenge(values, "basic");
  fuzz::expect_error_only([&] {
    auto decoded = image::base64_decode(header, "fuzz auth");
    if (image::base64_decode(image::base64_encode(decoded), "fuzz round trip") != decoded) __builtin_trap();
  });
  return 0;
}
