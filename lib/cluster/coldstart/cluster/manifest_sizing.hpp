// Deadlines and sizes for the prewarm manifests, from the image size and the node's bandwidth
// rather than the peers' defaults (kube-fledged 5 min, Kruise 600 s), which a 10-20 GB image
// overruns. The formulas are documented in docs/prewarm.md#sizing.
#pragma once
#include <cstdint>
#include <string>

namespace coldstart::cluster {

constexpr std::uint64_t kDefaultBandwidthBytesPerSecond = 100'000'000;  // 100 MB/s
constexpr std::uint64_t kMinimumDeadlineSeconds = 300;

// 60 s (resolve, auth, first bytes) + 2 x bytes / bandwidth (the transfer, then the unpack that
// containerd runs after it, about as long), rounded up to whole minutes, at least 5 minutes.
std::uint64_t pull_deadline_seconds(std::uint64_t bytes, std::uint64_t bandwidth_bytes_per_second);

// A job that retries a pull `backoff_limit` times needs every attempt to fit:
// deadline x (backoff_limit + 1).
std::uint64_t job_deadline_seconds(std::uint64_t pull_deadline, std::uint64_t backoff_limit);

// Alibaba ECI ImageCache size: at least twice the image size (compressed layers plus the
// unpacked filesystem), in GiB rounded up, never below ECI's minimum of 20 GiB.
std::uint64_t eci_cache_size_gib(std::uint64_t image_bytes);

// Go time.Duration text as kube-fledged's --image-pull-deadline-duration reads it: "6m", "1h12m".
std::string go_duration(std::uint64_t seconds);

}  // namespace coldstart::cluster
