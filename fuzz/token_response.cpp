// A token server's answer: {"token"|"access_token": ..., "expires_in": N}.
#include "coldstart/image/bearer_token.hpp"
#include "fuzz_common.hpp"

using namespace coldstart;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::expect_error_only([&] {
    auto token = image::parse_token_response(fuzz::as_text(data, size), "https://auth.example/token");
    if (token.value.empty() || !(token.expires_in > 0)) __builtin_trap();
    // The cache computes a refresh time from expires_in: any value the parser accepts must work there.
    image::TokenCache cache;
    cache.put("repository:a/b:pull", token);
    (void)cache.get("repository:a/b:pull");
  });
  return 0;
}
