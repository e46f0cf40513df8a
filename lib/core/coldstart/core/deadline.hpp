// A total time budget for one HTTP request: every attempt, retry, back-off and redirect of it
// must finish before the deadline (--timeout). Pure arithmetic, no clocks read unless asked.
#pragma once
#include <chrono>
#include <limits>

namespace coldstart::http {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  Deadline() = default;  // none: unlimited
  // `seconds` <= 0 means none.
  static Deadline after(double seconds, Clock::time_point now = Clock::now());

  bool unlimited() const { return seconds_ <= 0; }
  double total_seconds() const { return seconds_; }
  // Seconds left (never negative); +infinity when unlimited.
  double remaining(Clock::time_point now = Clock::now()) const;
  bool expired(Clock::time_point now = Clock::now()) const { return !unlimited() && remaining(now) <= 0; }
  // `limit_seconds` (0 = none) shortened to what is left; 0 when both are unlimited.
  double cap(double limit_seconds, Clock::time_point now = Clock::now()) const;
  // Whether a back-off of `delay` seconds still leaves time for another attempt.
  bool allows_wait(double delay, Clock::time_point now = Clock::now()) const;

 private:
  double seconds_ = 0;
  Clock::time_point at_{};
};

}  // namespace coldstart::http
