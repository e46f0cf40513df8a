// Internal pieces shared by the replica-controller simulations (hpa_simulation.cpp, replay.cpp).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <utility>

namespace coldstart::predict::detail {

// Pods ordered by when they become ready; scale-down removes the youngest (unready first).
class PodSet {
 public:
  PodSet(int initial, std::int64_t ready_ticks) : ready_ticks_(ready_ticks) {
    pods_.assign(static_cast<std::size_t>(std::max(0, initial)), 0);
  }
  // Returns how many pods were started (each one a cold start).
  int resize(int target, std::int64_t now) {
    int started = 0;
    while (static_cast<int>(pods_.size()) < target) {
      pods_.push_back(now + ready_ticks_);
      ++started;
    }
    while (static_cast<int>(pods_.size()) > target) pods_.pop_back();
    ready_ = std::min(ready_, pods_.size());
    return started;
  }
  int ready(std::int64_t now) {
    while (ready_ < pods_.size() && pods_[ready_] <= now) ++ready_;
    return static_cast<int>(ready_);
  }
  int size() const { return static_cast<int>(pods_.size()); }

 private:
  std::int64_t ready_ticks_;
  std::deque<std::int64_t> pods_;
  std::size_t ready_ = 0;
};

// Highest recommendation within the scale-down window (monotonic deque, O(1) amortised).
class WindowMax {
 public:
  explicit WindowMax(std::int64_t ticks) : ticks_(std::max<std::int64_t>(1, ticks)) {}
  // A new window length from the next push on (the recommendations already seen are kept).
  void set_ticks(std::int64_t ticks) { ticks_ = std::max<std::int64_t>(1, ticks); }
  int push(std::int64_t now, int value) {
    while (!q_.empty() && q_.back().second <= value) q_.pop_back();
    q_.emplace_back(now, value);
    while (q_.front().first <= now - ticks_) q_.pop_front();
    return q_.front().second;
  }

 private:
  std::int64_t ticks_;
  std::deque<std::pair<std::int64_t, int>> q_;
};

inline std::int64_t ticks_of(double seconds, std::int64_t tick) {
  return static_cast<std::int64_t>(std::ceil(seconds / static_cast<double>(tick) - 1e-9));
}

}  // namespace coldstart::predict::detail
