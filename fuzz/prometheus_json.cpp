// Prometheus /api/v1/query_range answers (live or exported), then the sums ahpa makes of them and
// the cleaning every series goes through next.
#include "coldstart/predict/prometheus.hpp"
#include "clean_bounded.hpp"
#include "fuzz_common.hpp"

using namespace coldstart;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::expect_error_only([&] {
    auto series = predict::parse_query_range(fuzz::as_text(data, size), "fuzz.json");
    (void)predict::group_by_label(series, "pod");
    auto sum = predict::sum_series(series);
    fuzz::clean_bounded(sum, "fuzz.json");
  });
  return 0;
}
