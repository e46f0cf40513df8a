#include <doctest/doctest.h>

#include "coldstart/core/error.hpp"
#include "coldstart/predict/forecast.hpp"
#include "synthetic.hpp"

using namespace coldstart::predict;

TEST_CASE("quantile interpolates between order statistics and ignores NaN") {
  CHECK(quantile({1, 2, 3, 4, 5}, 0.5) == 3);
  CHECK(quantile({1, 2, 3, 4, 5}, 0.95) == doctest::Approx(4.8));
  CHECK(quantile({5, NAN, 1}, 1.0) == 5);
  CHECK(std::isnan(quantile({}, 0.5)));
}

TEST_CASE("interpolate_missing fills inner gaps linearly and edges with the nearest value") {
  auto v = interpolate_missing({NAN, 2, NAN, NAN, 8, NAN});
  CHECK(v == std::vector<double>{2, 2, 4, 6, 8, 8});
}

TEST_CASE("a noise-free cycle is forecast exactly, and the level follows a scaled day") {
  auto s = testing::periodic_series(6, 300, 86400, 50, 0);
  const std::size_t day = 288;
  // Scale the last day by 1.5: the profile keeps the shape, the level adapts.
  for (std::size_t i = 5 * day; i < s.values.size(); ++i) s.values[i] *= 1.5;
  ForecastOptions o;
  o.quantile = 0.95;
  SeasonalForecaster f(s, s.values, 5 * day, 86400, {1, 12}, o);
  for (std::size_t i : {5 * day + 40, 5 * day + 150, 5 * day + 250}) {
    CHECK(f.median(i, 1) == doctest::Approx(s.values[i + 1]).epsilon(0.02));
    CHECK(f.median(i, 12) == doctest::Approx(s.values[i + 12]).epsilon(0.03));
  }
  // Errors before the fit end were ~0, so the upper band is the median.
  CHECK(f.error_quantile(1) == doctest::Approx(1).epsilon(0.02));
}

TEST_CASE("the upper band covers about the requested share of noisy values") {
  auto s = testing::periodic_series(21, 300, 86400, 50, 6);
  const std::size_t day = 288, end = 14 * day;
  ForecastOptions o;
  o.quantile = 0.9;
  SeasonalForecaster f(s, s.values, end, 86400, {1}, o);
  std::size_t covered = 0, total = 0;
  for (std::size_t i = end; i + 1 < s.values.size(); ++i, ++total) covered += s.values[i + 1] <= f.upper(i, 1);
  double share = static_cast<double>(covered) / static_cast<double>(total);
  CHECK(share > 0.85);
  CHECK(share < 0.95);
}

TEST_CASE("fitting needs two cycles") {
  auto s = testing::periodic_series(1.5, 300, 86400, 50, 0);
  CHECK_THROWS_AS(SeasonalForecaster(s, s.values, s.values.size(), 86400, {1}, ForecastOptions{}), coldstart::Error);
}
