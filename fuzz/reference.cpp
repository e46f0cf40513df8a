// Image references ([registry/]repository[:tag][@digest]) and platforms ("os/arch[/variant]").
#include <string>

#include "coldstart/image/manifest.hpp"
#include "coldstart/image/reference.hpp"
#include "fuzz_common.hpp"

using namespace coldstart;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto text = fuzz::as_text(data, size);
  fuzz::expect_error_only([&] {
    auto ref = image::Reference::parse(text);
    // What parse accepts, to_string writes back in a form parse accepts again, unchanged.
    auto again = image::Reference::parse(ref.to_string());
    if (again.to_string() != ref.to_string() || again.manifest_reference() != ref.manifest_reference())
      __builtin_trap();
  });
  fuzz::expect_error_only([&] {
    auto platform = image::Platform::parse(text);
    (void)platform.matches(image::Platform::parse(platform.to_string()));
  });
  return 0;
}
