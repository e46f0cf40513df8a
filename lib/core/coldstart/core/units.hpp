// Human units: bytes ("1.5 GB", "512MiB") and durations ("180s", "3m", "14d").
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace coldstart {

// 1536 -> "1.5 KiB" (binary units, as dive and crane report sizes).
std::string format_bytes(std::uint64_t bytes);
// "512", "512B", "1.5GB", "2GiB", "100 MB" -> bytes; throws UsageError naming `what`.
std::uint64_t parse_bytes(std::string_view text, std::string_view what = "size");
// "10Gbit/s", "10Gbps", "2.5 Gb/s", "500MB/s", "1GiB/s", "125000000" (bytes/s) -> bytes per second.
// Throws UsageError naming `what`.
// "10Gbit/s", "2Gbps", "2 Gb/s", "500MB/s", "1GiB/s", "100MB" -> bytes per second (b = bits, B = bytes);
// throws UsageError naming `what`.
double parse_bandwidth(std::string_view text, std::string_view what = "bandwidth");
// 0.25 -> "250ms", 75 -> "1m15s", 3 -> "3.00s".
std::string format_duration(double seconds);
// "180", "180s", "3m", "1h30m", "14d", "500ms", "1w" -> seconds; throws UsageError naming `what`.
double parse_duration(std::string_view text, std::string_view what = "duration");
// 0.1234 -> "12.3%".
std::string format_percent(double ratio);

}  // namespace coldstart
