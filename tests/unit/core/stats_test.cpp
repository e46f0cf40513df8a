#include <doctest/doctest.h>

#include "coldstart/core/stats.hpp"

using namespace coldstart;

// Reference values from numpy: np.percentile(a, q) (linear) and np.std(a, ddof=1).
TEST_CASE("summarize matches numpy's linear percentiles and the sample stddev") {
  const std::vector<double> a{3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
  const Summary s = summarize(a);
  CHECK(s.count == 10);
  CHECK(s.min == 1);
  CHECK(s.max == 9);
  CHECK(s.mean == doctest::Approx(3.9));
  CHECK(s.p50 == doctest::Approx(3.5));
  CHECK(s.p90 == doctest::Approx(6.3));
  CHECK(s.p99 == doctest::Approx(8.73));
  CHECK(s.stddev == doctest::Approx(2.469817807));
}

TEST_CASE("percentile interpolates between ranks and clamps at the ends") {
  CHECK(percentile({10, 20}, 0.25) == doctest::Approx(12.5));
  CHECK(percentile({20, 10}, 0.0) == 10);
  CHECK(percentile({20, 10}, 1.0) == 20);
  CHECK(percentile({7}, 0.9) == 7);
  CHECK(percentile({}, 0.5) == 0);
  CHECK(percentile({1, 2, 3, 4}, 0.5) == doctest::Approx(2.5));
}

TEST_CASE("one sample has no spread; no samples summarise to zeros") {
  const Summary one = summarize({2.5});
  CHECK(one.stddev == 0);
  CHECK(one.p50 == 2.5);
  CHECK(one.p99 == 2.5);
  CHECK(sample_stddev({1, 1, 1}) == 0);
  const Summary none = summarize({});
  CHECK(none.count == 0);
  CHECK(none.mean == 0);
}
