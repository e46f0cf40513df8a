// A one-line progress bar on stderr (bytes, rate, ETA, what is being worked on), drawn only when
// stderr is a terminal. Workers add bytes from any thread; one thread redraws it now and then.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace coldstart {

class ProgressBar {
 public:
  // `enabled` false makes every call a no-op (not a TTY, or --quiet).
  ProgressBar(std::uint64_t total_bytes, bool enabled);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void add(std::uint64_t bytes) { done_.fetch_add(bytes, std::memory_order_relaxed); }
  void set_label(std::string label);
  // Redraws the line (throttled to a few times a second unless `force`).
  void draw(bool force = false);
  // Erases the line, so what follows starts on a clean line.
  void clear();
  bool enabled() const { return enabled_; }

  // True when stderr is a terminal: the default for `enabled`.
  static bool stderr_is_tty();
  // The line itself, exposed for tests: "[=====>    ]  1.2 GiB / 3.0 GiB  210 MiB/s  ETA 9s  layer 3/7".
  static std::string render(std::uint64_t done, std::uint64_t total, double seconds, const std::string& label,
                            int width);

 private:
  std::uint64_t total_;
  bool enabled_;
  std::atomic<std::uint64_t> done_{0};
  std::mutex mutex_;
  std::string label_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool drawn_ = false;
};

}  // namespace coldstart
