// Metrics CSV files (`ahpa --metrics FILE.csv`): timestamp,value rows with or without a header,
// then the cleaning every parsed series goes through next (sort, resample, fill, clip).
#include "coldstart/predict/csv_reader.hpp"
#include "clean_bounded.hpp"
#include "fuzz_common.hpp"

using namespace coldstart;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto text = fuzz::as_text(data, size);
  fuzz::expect_error_only([&] {
    auto points = predict::parse_csv(text, "fuzz.csv");
    fuzz::clean_bounded(points, "fuzz.csv");
  });
  fuzz::expect_error_only([&] { (void)predict::parse_csv(text, "fuzz.csv", {"1", "0"}); });
  fuzz::expect_error_only([&] { (void)predict::parse_csv(text, "fuzz.csv", {"time", "qps"}); });
  return 0;
}
