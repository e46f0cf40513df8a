#include "coldstart/core/progress.hpp"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "coldstart/core/units.hpp"

namespace coldstart {

ProgressBar::ProgressBar(std::uint64_t total_bytes, bool enabled)
    : ProgressBar(total_bytes, enabled ? ProgressMode::bar : ProgressMode::off, "") {}

ProgressBar::ProgressBar(std::uint64_t total_bytes, ProgressMode mode, std::string what)
    : total_(total_bytes),
      mode_(mode),
      enabled_(mode != ProgressMode::off),
      what_(std::move(what)),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressMode ProgressBar::mode_for(bool quiet) {
  if (quiet) return ProgressMode::off;
  return stderr_is_tty() ? ProgressMode::bar : ProgressMode::lines;
}

double ProgressBar::line_interval() {
  const char* env = std::getenv("COLDSTART_PROGRESS_INTERVAL");
  if (env == nullptr || *env == '\0') return 10;
  char* end = nullptr;
  double seconds = std::strtod(env, &end);
  return end != env && seconds >= 0 ? seconds : 10;
}

std::string ProgressBar::render_line(const std::string& what, std::uint64_t done, std::uint64_t total, double seconds,
                                     const std::string& label) {
  double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  int percent = total ? static_cast<int>(std::min<std::uint64_t>(100, done * 100 / total)) : 100;
  std::string eta = rate > 0 && done < total ? format_duration(static_cast<double>(total - done) / rate) : "-";
  std::string line = fmt::format("{}: {} / {} ({}%), {}/s, ETA {}", what, format_bytes(done), format_bytes(total), percent,
                                 format_bytes(static_cast<std::uint64_t>(rate)), eta);
  if (!label.empty()) line += ", " + label;
  return line;
}

ProgressBar::~ProgressBar() { clear(); }

bool ProgressBar::stderr_is_tty() { return ::isatty(STDERR_FILENO) == 1; }

void ProgressBar::set_label(std::string label) {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  label_ = std::move(label);
}

std::string ProgressBar::render(std::uint64_t done, std::uint64_t total, double seconds, const std::string& label,
                                int width) {
  double ratio = total ? std::min(1.0, static_cast<double>(done) / static_cast<double>(total)) : 1.0;
  double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  std::string eta = rate > 0 && done < total ? format_duration(static_cast<double>(total - done) / rate) : "-";
  std::string tail = fmt::format(" {:>10} / {:<10} {:>10}/s  ETA {:<7} {}", format_bytes(done), format_bytes(total),
                                 format_bytes(static_cast<std::uint64_t>(rate)), eta, label);
  int bar = std::clamp(width - static_cast<int>(tail.size()) - 2, 10, 40);
  int filled = static_cast<int>(ratio * bar);
  std::string line = "[" + std::string(filled, '=') + (filled < bar ? ">" : "") +
                     std::string(std::max(0, bar - filled - 1), ' ') + "]" + tail;
  if (static_cast<int>(line.size()) > width) line.resize(std::max(0, width));
  return line;
}

void ProgressBar::draw(bool force) {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  if (mode_ == ProgressMode::lines) {
    if (!force && now - last_draw_ < std::chrono::duration<double>(line_interval())) return;
    last_draw_ = now;
    double seconds = std::chrono::duration<double>(now - start_).count();
    std::string line = render_line(what_, done_.load(), total_, seconds, label_) + "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
    return;
  }
  if (!force && now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  int width = 100;
  winsize ws{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) width = ws.ws_col - 1;
  double seconds = std::chrono::duration<double>(now - start_).count();
  std::string line = "\r" + render(done_.load(), total_, seconds, label_, width) + "\x1b[K";
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::clear() {
  if (mode_ != ProgressMode::bar) return;
  std::lock_guard lock(mutex_);
  if (!drawn_) return;
  std::fputs("\r\x1b[K", stderr);
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace coldstart
