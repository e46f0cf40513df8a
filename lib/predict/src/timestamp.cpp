#include "coldstart/predict/timestamp.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <ctime>

#include "coldstart/core/error.hpp"

namespace coldstart::predict {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '"' || s.front() == '\'')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '"' || s.back() == '\'' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// Reads exactly `n` digits at s[pos]; advances pos.
bool digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += n;
  out = v;
  return true;
}

std::optional<double> parse_number(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  // Epoch numbers in finer units, told apart by magnitude (seconds reach 1e11 only in year 5138).
  double a = std::fabs(v);
  if (a >= 1e17) return v / 1e9;   // nanoseconds
  if (a >= 1e14) return v / 1e6;   // microseconds
  if (a >= 1e11) return v / 1e3;   // milliseconds
  return v;
}

// YYYY-MM-DD[( |T)HH:MM[:SS[.fff]]][Z|±HH[:]MM|±HH]
std::optional<double> parse_iso8601(std::string_view s) {
  std::size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(s, pos, 4, year) || pos >= s.size() || (s[pos] != '-' && s[pos] != '/')) return std::nullopt;
  char sep = s[pos++];
  if (!digits(s, pos, 2, month) || pos >= s.size() || s[pos++] != sep || !digits(s, pos, 2, day)) return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  double fraction = 0;
  int offset_seconds = 0;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
    ++pos;
    if (!digits(s, pos, 2, hour) || pos >= s.size() || s[pos++] != ':' || !digits(s, pos, 2, minute)) return std::nullopt;
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!digits(s, pos, 2, second)) return std::nullopt;
      if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        double scale = 0.1;
        std::size_t start = pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
          fraction += (s[pos] - '0') * scale;
          scale /= 10;
          ++pos;
        }
        if (pos == start) return std::nullopt;
      }
    }
    if (hour > 24 || minute > 59 || second > 60) return std::nullopt;
    if (pos < s.size() && s[pos] == ' ') ++pos;  // "2014-07-01 00:00:00 +02:00"
    if (pos < s.size()) {
      if (s[pos] == 'Z' || s[pos] == 'z') {
        ++pos;
      } else if (s[pos] == '+' || s[pos] == '-') {
        int sign = s[pos++] == '-' ? -1 : 1;
        int oh = 0, om = 0;
        if (!digits(s, pos, 2, oh)) return std::nullopt;
        if (pos < s.size() && s[pos] == ':') ++pos;
        if (pos < s.size() && !digits(s, pos, 2, om)) return std::nullopt;
        if (oh > 23 || om > 59) return std::nullopt;
        offset_seconds = sign * (oh * 3600 + om * 60);
      } else {
        return std::nullopt;
      }
    }
    if (pos != s.size()) return std::nullopt;
  }
  std::int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  // Reject dates like 2014-02-30 that days_from_civil would silently roll over.
  if (days_from_civil(year, static_cast<unsigned>(month), 1) + day - 1 != days ||
      (month == 12 ? days_from_civil(year + 1, 1, 1) : days_from_civil(year, static_cast<unsigned>(month + 1), 1)) <= days)
    return std::nullopt;
  return static_cast<double>(days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds) + fraction;
}

}  // namespace

std::optional<double> parse_timestamp(std::string_view text) {
  std::string_view s = trim(text);
  if (s.empty()) return std::nullopt;
  auto t = parse_number(s);
  if (!t) t = parse_iso8601(s);
  if (t && !(std::fabs(*t) <= kMaxUnixSeconds)) return std::nullopt;
  return t;
}

std::int64_t parse_time_flag(std::string_view text, std::string_view what) {
  std::string_view s = trim(text);
  if (s == "now" || s.empty()) return static_cast<std::int64_t>(std::time(nullptr));
  if (auto t = parse_timestamp(s)) return static_cast<std::int64_t>(std::llround(*t));
  throw UsageError(fmt::format("invalid {} '{}'", what, text),
                   "use now, unix seconds, or ISO 8601 such as 2024-05-01T00:00:00Z");
}

namespace {
std::string format_time(std::int64_t unix_seconds, const char* pattern) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, pattern, &tm);
  return buf;
}
}  // namespace

std::string format_iso_time(std::int64_t unix_seconds) { return format_time(unix_seconds, "%Y-%m-%dT%H:%M:%SZ"); }
std::string format_utc_time(std::int64_t unix_seconds) { return format_time(unix_seconds, "%Y-%m-%d %H:%M:%S"); }

}  // namespace coldstart::predict
