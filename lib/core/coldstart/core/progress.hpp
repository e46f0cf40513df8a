// Progress on stderr (bytes, rate, ETA, what is being worked on): a one-line bar redrawn in place
// when stderr is a terminal, otherwise a plain line now and then (CI logs), nothing with -q.
// Workers add bytes from any thread; draw() is throttled and thread-safe.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace coldstart {

enum class ProgressMode { off, bar, lines };

class ProgressBar {
 public:
  // `enabled` false makes every call a no-op (not a TTY, or --quiet); true draws the bar.
  ProgressBar(std::uint64_t total_bytes, bool enabled);
  // `what` prefixes the plain lines ("analyze --deep aigc:v5").
  ProgressBar(std::uint64_t total_bytes, ProgressMode mode, std::string what);
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
  // off with --quiet, bar on a terminal, lines otherwise.
  static ProgressMode mode_for(bool quiet);
  // Seconds between plain lines (draw(true) prints one at once): COLDSTART_PROGRESS_INTERVAL, default 10.
  static double line_interval();
  // A plain line: "what: 1.2 GiB / 3.0 GiB (40%), 210 MiB/s, ETA 9s, layer 3/7".
  static std::string render_line(const std::string& what, std::uint64_t done, std::uint64_t total, double seconds,
                                 const std::string& label);
  // The line itself, exposed for tests: "[=====>    ]  1.2 GiB / 3.0 GiB  210 MiB/s  ETA 9s  layer 3/7".
  static std::string render(std::uint64_t done, std::uint64_t total, double seconds, const std::string& label,
                            int width);

 private:
  std::uint64_t total_;
  ProgressMode mode_;
  bool enabled_;
  std::string what_;
  std::atomic<std::uint64_t> done_{0};
  std::mutex mutex_;
  std::string label_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool drawn_ = false;
};

}  // namespace coldstart
