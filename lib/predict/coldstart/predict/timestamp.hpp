// Timestamps as users write them: unix seconds (int or float), unix milliseconds, or ISO 8601.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace coldstart::predict {

// Timestamps beyond ±1e12 unix seconds (year 33658) are refused: every real one is far inside, and
// integer arithmetic on wilder ones (std::int64_t seconds, their differences) would overflow.
constexpr double kMaxUnixSeconds = 1e12;

// "1404172800", "1404172800.5", "2014-07-01 00:00:00", "2014-07-01T00:00:00Z",
// "2014-07-01T02:00:00+02:00", "2014-07-01" -> unix seconds (UTC when no offset is given).
// Numbers above 1e11 are taken as milliseconds. nullopt when the text is none of these, or beyond
// kMaxUnixSeconds.
std::optional<double> parse_timestamp(std::string_view text);

// As parse_timestamp, plus "now"; throws UsageError naming `what` (e.g. "--end") otherwise.
std::int64_t parse_time_flag(std::string_view text, std::string_view what);

// Unix seconds -> "2014-07-01T00:00:00Z" (ISO 8601, UTC), as reports and errors print times.
std::string format_iso_time(std::int64_t unix_seconds);
// Unix seconds -> "2014-07-01 00:00:00" (UTC), the form AHPA's instanceBounds take.
std::string format_utc_time(std::int64_t unix_seconds);

}  // namespace coldstart::predict
