// Deadline arithmetic with explicit time points (no clocks, no sleeping).
#include <doctest/doctest.h>

#include <cmath>

#include "coldstart/core/deadline.hpp"

using coldstart::http::Deadline;
using namespace std::chrono_literals;

TEST_CASE("no deadline: unlimited, never expired, limits pass through") {
  Deadline d;
  auto t = Deadline::Clock::time_point{} + 100s;
  CHECK(d.unlimited());
  CHECK(std::isinf(d.remaining(t)));
  CHECK_FALSE(d.expired(t));
  CHECK(d.cap(10, t) == 10);
  CHECK(d.cap(0, t) == 0);
  CHECK(d.allows_wait(1e9, t));
  CHECK(Deadline::after(0, t).unlimited());
  CHECK(Deadline::after(-5, t).unlimited());
}

TEST_CASE("a deadline counts down over every attempt and wait") {
  auto t0 = Deadline::Clock::time_point{} + 1000s;
  Deadline d = Deadline::after(3, t0);
  CHECK(d.total_seconds() == 3);
  CHECK(d.remaining(t0) == doctest::Approx(3));
  CHECK(d.remaining(t0 + 1s) == doctest::Approx(2));
  CHECK(d.remaining(t0 + 5s) == 0);  // never negative
  CHECK_FALSE(d.expired(t0 + 2999ms));
  CHECK(d.expired(t0 + 3s));
  // Per-attempt limits (connect, total) shrink to what is left.
  CHECK(d.cap(10, t0) == doctest::Approx(3));
  CHECK(d.cap(1, t0) == doctest::Approx(1));
  CHECK(d.cap(10, t0 + 2500ms) == doctest::Approx(0.5));
  CHECK(d.cap(0, t0 + 1s) == doctest::Approx(2));
  // A back-off is worth waiting only when an attempt can still follow it.
  CHECK(d.allows_wait(1, t0));
  CHECK_FALSE(d.allows_wait(2.95, t0));
  CHECK_FALSE(d.allows_wait(0.5, t0 + 2600ms));
}
