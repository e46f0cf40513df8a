#include <doctest/doctest.h>

#include "coldstart/cluster/manifest_sizing.hpp"

using namespace coldstart::cluster;

TEST_CASE("pull deadline: 60 s + 2 x size / bandwidth, whole minutes, at least 5 minutes") {
  constexpr std::uint64_t MB = 1'000'000;
  CHECK(pull_deadline_seconds(1 * MB, 100 * MB) == 300);             // small: the floor
  CHECK(pull_deadline_seconds(15'000 * MB, 100 * MB) == 360);        // 60 + 300 = 360 s = 6 min
  CHECK(pull_deadline_seconds(20'000 * MB, 100 * MB) == 480);        // 60 + 400 = 460 -> 8 min
  CHECK(pull_deadline_seconds(20'000 * MB, 25 * MB) == 1680);        // 60 + 1600 = 1660 -> 28 min
  CHECK(pull_deadline_seconds(20'000 * MB, 25 * MB) > 600);          // Kruise's default would fail
  CHECK(pull_deadline_seconds(20'000 * MB, 0) == pull_deadline_seconds(20'000 * MB, kDefaultBandwidthBytesPerSecond));
  CHECK(pull_deadline_seconds(~0ull, 1) > 0);                        // no overflow to a tiny value
  CHECK(job_deadline_seconds(360, 3) == 1440);
}

TEST_CASE("ECI imageCacheSize: at least 2 x the image in GiB, rounded up, minimum 20") {
  constexpr std::uint64_t GiB = 1ull << 30;
  CHECK(eci_cache_size_gib(0) == 20);
  CHECK(eci_cache_size_gib(1'116'147) == 20);
  CHECK(eci_cache_size_gib(10 * GiB) == 20);
  CHECK(eci_cache_size_gib(10 * GiB + 1) == 21);  // 20 GiB + 2 bytes -> 21
  CHECK(eci_cache_size_gib(15 * GiB) == 30);
  CHECK(eci_cache_size_gib(GiB * 37 / 2) == 37);  // 18.5 GiB -> 37
}

TEST_CASE("go_duration prints what kube-fledged's flag parser reads") {
  CHECK(go_duration(300) == "5m");
  CHECK(go_duration(3720) == "1h2m");
  CHECK(go_duration(59) == "59s");
  CHECK(go_duration(0) == "0s");
}
