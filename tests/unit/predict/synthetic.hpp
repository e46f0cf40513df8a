// Synthetic series with known structure for the predict unit tests.
#pragma once
#include <cmath>
#include <random>

#include "coldstart/predict/series.hpp"

namespace coldstart::predict::testing {

// base + amplitude·sin(2πt/period) (+ a weekend dip when `weekend` > 0) + gaussian noise.
inline Series periodic_series(double days, std::int64_t step, double period, double amplitude, double noise,
                              double weekend = 0, std::uint64_t seed = 7) {
  Series s;
  s.name = "synthetic";
  s.step = step;
  s.start = 1700006400 / 86400 * 86400;  // a UTC midnight
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> gauss(0, 1);
  const auto n = static_cast<std::size_t>(days * 86400 / static_cast<double>(step));
  for (std::size_t i = 0; i < n; ++i) {
    double t = static_cast<double>(s.time_at(i));
    double v = 100 + amplitude * std::sin(2 * M_PI * t / period);
    int weekday = static_cast<int>((s.time_at(i) / 86400 + 4) % 7);
    if (weekend > 0 && (weekday == 0 || weekday == 6)) v -= weekend;
    s.values.push_back(std::max(0.0, v + noise * gauss(rng)));
  }
  return s;
}

}  // namespace coldstart::predict::testing
