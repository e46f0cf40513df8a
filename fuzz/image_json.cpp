// Manifest, index and config JSON as a registry or an image archive serves them.
#include <string>

#include "coldstart/image/manifest.hpp"
#include "fuzz_common.hpp"

using namespace coldstart;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto json = fuzz::as_text(data, size);
  fuzz::expect_error_only([&] { (void)image::detect_media_type(json, "fuzz document"); });
  fuzz::expect_error_only([&] {
    auto manifest = image::parse_manifest(json, "fuzz manifest");
    fuzz::expect_error_only([&] {
      auto config = image::parse_config(json, "fuzz config");
      (void)image::history_per_layer(config, manifest.layers.size());
    });
  });
  fuzz::expect_error_only([&] {
    auto index = image::parse_index(json, "fuzz index");
    for (const char* want : {"linux/amd64", "linux/arm64", "linux/arm/v7"})
      fuzz::expect_error_only([&] { (void)image::select_platform(index, image::Platform::parse(want), "fuzz index"); });
  });
  fuzz::expect_error_only([&] {
    auto config = image::parse_config(json, "fuzz config");
    (void)image::history_per_layer(config, 3);
  });
  return 0;
}
