#include "coldstart/core/deadline.hpp"

#include <algorithm>

namespace coldstart::http {

Deadline Deadline::after(double seconds, Clock::time_point now) {
  Deadline d;
  if (!(seconds > 0)) return d;
  d.seconds_ = seconds;
  d.at_ = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  return d;
}

double Deadline::remaining(Clock::time_point now) const {
  if (unlimited()) return std::numeric_limits<double>::infinity();
  return std::max(0.0, std::chrono::duration<double>(at_ - now).count());
}

double Deadline::cap(double limit_seconds, Clock::time_point now) const {
  if (unlimited()) return limit_seconds > 0 ? limit_seconds : 0;
  double left = remaining(now);
  return limit_seconds > 0 ? std::min(limit_seconds, left) : left;
}

bool Deadline::allows_wait(double delay, Clock::time_point now) const {
  // Keep at least a tenth of a second for the attempt itself.
  return unlimited() || remaining(now) > delay + 0.1;
}

}  // namespace coldstart::http
