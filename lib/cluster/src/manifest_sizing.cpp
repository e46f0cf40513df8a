#include "coldstart/cluster/manifest_sizing.hpp"

#include <algorithm>

namespace coldstart::cluster {

std::uint64_t pull_deadline_seconds(std::uint64_t bytes, std::uint64_t bandwidth) {
  if (bandwidth == 0) bandwidth = kDefaultBandwidthBytesPerSecond;
  // ceil(2 * bytes / bandwidth) without overflowing on huge byte counts
  std::uint64_t transfer = bytes / bandwidth + (bytes % bandwidth != 0);
  std::uint64_t seconds = 60 + 2 * transfer;
  seconds = (seconds + 59) / 60 * 60;
  return std::max(seconds, kMinimumDeadlineSeconds);
}

std::uint64_t job_deadline_seconds(std::uint64_t pull_deadline, std::uint64_t backoff_limit) {
  return pull_deadline * (backoff_limit + 1);
}

std::uint64_t eci_cache_size_gib(std::uint64_t image_bytes) {
  constexpr std::uint64_t kGiB = 1ull << 30;
  std::uint64_t twice = image_bytes * 2;
  std::uint64_t gib = twice / kGiB + (twice % kGiB != 0);
  return std::max<std::uint64_t>(gib, 20);
}

std::string go_duration(std::uint64_t seconds) {
  std::uint64_t h = seconds / 3600, m = seconds % 3600 / 60, s = seconds % 60;
  std::string out;
  if (h) out += std::to_string(h) + "h";
  if (m) out += std::to_string(m) + "m";
  if (s || out.empty()) out += std::to_string(s) + "s";
  return out;
}

}  // namespace coldstart::cluster
