#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "coldstart/core/error.hpp"
#include "coldstart/predict/clean.hpp"

using namespace coldstart;
using namespace coldstart::predict;

namespace {
CleaningOptions no_clipping() {
  CleaningOptions o;
  o.outlier_mad_k = 0;
  return o;
}
}  // namespace

TEST_CASE("sorting, averaging duplicates and inferring the step") {
  CleaningReport r;
  auto s = clean_points({{120, 3}, {0, 1}, {60, 2}, {60, 4}, {180, 5}}, "m", no_clipping(), r);
  CHECK(r.was_unsorted);
  CHECK(r.duplicates == 1);
  CHECK(r.step == 60);
  CHECK(r.step_inferred);
  CHECK(s.start == 0);
  CHECK(s.step == 60);
  CHECK(s.values == std::vector<double>{1, 3, 3, 5});  // (2+4)/2 at t=60
  CHECK(r.points_read == 5);
  CHECK(r.samples == 4);
}

TEST_CASE("short gaps are filled linearly, long ones stay NaN and are reported") {
  CleaningOptions o = no_clipping();
  o.max_fill_steps = 2;
  // step 10: samples at 0..30, a 2-sample hole (40, 50), data at 60, 70, then a 3-sample hole (80..100), 110.
  std::vector<Point> p = {{0, 0}, {10, 1}, {20, 2}, {30, 3}, {60, 6}, {70, 7}, {110, 11}};
  CleaningReport r;
  auto s = clean_points(p, "m", o, r);
  REQUIRE(s.values.size() == 12);
  CHECK(s.values[4] == doctest::Approx(4));
  CHECK(s.values[5] == doctest::Approx(5));
  CHECK(std::isnan(s.values[8]));
  CHECK(std::isnan(s.values[10]));
  CHECK(s.values[11] == 11);
  CHECK(r.gaps_filled == 1);
  CHECK(r.samples_filled == 2);
  CHECK(r.long_gaps == 1);
  CHECK(r.long_gap_samples == 3);
  REQUIRE(r.long_gap_list.size() == 1);
  CHECK(r.long_gap_list[0].start == 80);
  CHECK(r.long_gap_list[0].samples == 3);
  auto json = to_json(r);
  CHECK(json["long_gap_list"][0]["seconds"] == 30.0);
  CHECK(json["long_gap_list"][0]["start_iso"] == "1970-01-01T00:01:20Z");
}

TEST_CASE("NaN and Inf raw values become missing samples") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CleaningReport r;
  auto s = clean_points({{0, 1}, {60, nan}, {120, std::numeric_limits<double>::infinity()}, {180, 4}}, "m", no_clipping(), r);
  CHECK(r.non_finite == 2);
  CHECK(r.step == 60);  // NaN samples still show the cadence; the 2 finite points alone would say 180
  REQUIRE(s.values.size() == 4);
  CHECK(s.values[1] == doctest::Approx(2));
  CHECK(r.gaps_filled == 1);
}

TEST_CASE("downsampling averages points, upsampling interpolates without calling it a gap") {
  CleaningOptions o = no_clipping();
  o.step = 120;
  CleaningReport r;
  auto down = clean_points({{0, 1}, {60, 3}, {120, 5}, {180, 7}, {240, 9}}, "m", o, r);
  // grid 0,120,240; nearest sample, halves round up: 0->0, 60->120, 120->120, 180->240, 240->240
  CHECK(down.values == std::vector<double>{1, 4, 8});
  CHECK(r.merged == 2);
  CHECK(r.input_interval == 60);

  o.step = 60;
  auto up = clean_points({{0, 0}, {300, 10}, {600, 20}}, "m", o, r);
  REQUIRE(up.values.size() == 11);
  CHECK(up.values[1] == doctest::Approx(2));
  CHECK(up.values[7] == doctest::Approx(14));
  CHECK(r.samples_interpolated == 8);
  CHECK(r.gaps_filled == 0);
  CHECK(r.long_gaps == 0);
}

TEST_CASE("jittered timestamps land on the nearest sample of the grid") {
  CleaningReport r;
  auto s = clean_points({{0, 1}, {61, 2}, {119, 3}, {182, 4}}, "m", no_clipping(), r);
  CHECK(r.step == 61);  // median of 61, 58, 63
  CHECK(s.values.size() == 4);
  CHECK(r.gaps_filled == 0);
}

TEST_CASE("a gross spike is clipped to the local median ± k·MAD band, daily plateaus are kept") {
  std::vector<Point> p;
  for (int i = 0; i < 200; ++i) {
    double base = (i / 50) % 2 ? 80.0 : 20.0;    // a plateau that a global band would call outliers
    p.push_back({i * 60, base + (i % 3) - 1.0});  // noise -1, 0, +1: MAD 1
  }
  p[120].value = 1e6;  // one broken scrape
  CleaningOptions o;   // defaults: k=20, window 31
  CleaningReport r;
  auto s = clean_points(p, "m", o, r);
  CHECK(r.outliers_clipped == 1);
  CHECK(s.values[120] == doctest::Approx(20 + 20 * 1.4826).epsilon(0.05));
  CHECK(s.values[60] == p[60].value);  // plateau untouched
  CHECK(s.values[99] == p[99].value);

  o.outlier_mad_k = 0;
  clean_points(p, "m", o, r);
  CHECK(r.outliers_clipped == 0);
}

TEST_CASE("global outlier window clips beyond the whole-series band") {
  std::vector<Point> p;
  for (int i = 0; i < 101; ++i) p.push_back({i, static_cast<double>(i % 2)});  // median 0 or 1, MAD 0.5..1
  p[50].value = 1000;
  CleaningOptions o;
  o.outlier_window = 0;
  o.outlier_mad_k = 10;
  CleaningReport r;
  auto s = clean_points(p, "m", o, r);
  CHECK(r.outliers_clipped == 1);
  CHECK(s.values[50] < 20);
}

TEST_CASE("no usable data is an error naming the series") {
  CleaningReport r;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH_AS(clean_points({{0, nan}}, "cpu.csv", {}, r), doctest::Contains("cpu.csv: no finite values"), Error);
  CHECK_THROWS_WITH_AS(clean_points({{0, 1}}, "cpu.csv", {}, r), doctest::Contains("only one point"), Error);
  CleaningOptions o;
  o.step = 60;
  CHECK(clean_points({{0, 1}}, "cpu.csv", o, r).values.size() == 1);
  o.step = 1;
  CHECK_THROWS_WITH_AS(clean_points({{0, 1}, {4'000'000'000LL, 2}}, "cpu.csv", o, r), doctest::Contains("larger --step"), Error);
  // Three points, two a second apart and one a year later: the inferred 1 s step would make a
  // grid of 31.5 M samples, nearly all missing (it cost 835 MB). A forced step is taken as asked.
  const std::vector<Point> sparse{{0, 1}, {1, 2}, {31'536'000, 3}};
  CHECK_THROWS_WITH_AS(clean_points(sparse, "cpu.csv", {}, r), doctest::Contains("over 99% of them missing"), Error);
  o.step = 3600;
  CHECK(clean_points(sparse, "cpu.csv", o, r).values.size() == 8761);
}

TEST_CASE("summarize says what was done in one line") {
  CleaningReport r;
  CleaningOptions o = no_clipping();
  o.max_fill_steps = 1;
  clean_points({{0, 1}, {60, 1}, {60, 3}, {240, 4}}, "m", o, r);
  auto line = summarize(r);
  CHECK(line.find("read 4 points -> 5 samples at a 60s step (inferred)") == 0);
  CHECK(line.find("1 duplicate timestamps averaged") != std::string::npos);
  CHECK(line.find("1 long gaps left missing (2 samples, first at 1970-01-01T00:02:00Z)") != std::string::npos);
  CHECK(line.find("\n") == std::string::npos);
}
