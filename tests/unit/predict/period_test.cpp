#include <doctest/doctest.h>

#include <random>

#include "coldstart/predict/period.hpp"
#include "synthetic.hpp"

using namespace coldstart::predict;

TEST_CASE("a daily cycle with noise is found as daily with high confidence") {
  auto s = testing::periodic_series(14, 300, 86400, 50, 8);
  auto r = detect_periods(s);
  REQUIRE(r.primary() != nullptr);
  CHECK(r.primary()->label == "daily");
  CHECK(r.primary()->seconds == 86400);
  CHECK(r.primary()->confidence > 0.8);
  CHECK(r.primary()->power_ratio > 1);
}

TEST_CASE("a weekend dip on top of a daily cycle is found as weekly and daily") {
  auto s = testing::periodic_series(28, 600, 86400, 40, 5, 45);
  auto r = detect_periods(s);
  bool daily = false, weekly = false;
  for (const auto& p : r.periods) {
    daily |= p.label == "daily";
    weekly |= p.label == "weekly" && p.seconds == 7 * 86400;
  }
  CHECK(daily);
  CHECK(weekly);
  REQUIRE(r.primary() != nullptr);
  CHECK(r.primary()->label == "weekly");
}

TEST_CASE("a 5-hour cycle is found as a free period near 5 h") {
  auto s = testing::periodic_series(4, 60, 5 * 3600, 30, 5);
  auto r = detect_periods(s);
  REQUIRE(!r.periods.empty());
  CHECK(r.periods.front().label == "free");
  CHECK(r.periods.front().seconds == doctest::Approx(18000).epsilon(0.06));
  for (const auto& p : r.periods) CHECK(p.label != "daily");
}

TEST_CASE("pure noise has no period") {
  for (std::uint64_t seed : {1, 2, 3}) {
    auto s = testing::periodic_series(14, 300, 86400, 0, 10, 0, seed);
    auto r = detect_periods(s);
    CHECK(r.periods.empty());
    CHECK(r.primary() == nullptr);
  }
}

TEST_CASE("a random walk (red noise) is not mistaken for a cycle") {
  Series s;
  s.step = 300;
  s.start = 1700006400;
  std::mt19937_64 rng(11);
  std::normal_distribution<double> g(0, 1);
  double v = 500;
  for (int i = 0; i < 14 * 288; ++i) s.values.push_back(v += g(rng));
  CHECK(detect_periods(s).periods.empty());
}

TEST_CASE("too little history says which periods could not be tested") {
  auto s = testing::periodic_series(1.5, 300, 86400, 50, 2);
  auto r = detect_periods(s);
  CHECK(r.primary() == nullptr);
  REQUIRE(r.notes.size() == 2);
  CHECK(r.notes[0].find("daily period not testable") != std::string::npos);
  CHECK(r.notes[1].find("weekly period not testable") != std::string::npos);
}

TEST_CASE("the same input gives the same answer (seeded permutation test)") {
  auto s = testing::periodic_series(10, 300, 86400, 20, 15);
  auto a = detect_periods(s), b = detect_periods(s);
  REQUIRE(a.periods.size() == b.periods.size());
  for (std::size_t i = 0; i < a.periods.size(); ++i) CHECK(a.periods[i].power_ratio == b.periods[i].power_ratio);
}

TEST_CASE("missing samples are interpolated, not fatal") {
  auto s = testing::periodic_series(7, 300, 86400, 50, 3);
  for (std::size_t i = 100; i < 130; ++i) s.values[i] = NAN;
  auto r = detect_periods(s);
  REQUIRE(r.primary() != nullptr);
  CHECK(r.primary()->label == "daily");
}
