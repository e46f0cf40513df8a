// What `docker-credential-NAME get` prints: {"ServerURL": ..., "Username": ..., "Secret": ...}.
#include "coldstart/image/credentials.hpp"
#include "fuzz_common.hpp"

using namespace coldstart;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::expect_error_only([&] {
    (void)image::parse_credential_helper_output(fuzz::as_text(data, size), "docker-credential-fuzz",
                                                "registry.example");
  });
  return 0;
}
