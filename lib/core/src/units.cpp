#include "coldstart/core/units.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <string>

#include "coldstart/core/error.hpp"

namespace coldstart {

std::string format_bytes(std::uint64_t bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024.0 && u < 5) {
    v /= 1024.0;
    ++u;
  }
  if (u == 0) return fmt::format("{} B", bytes);
  return fmt::format("{:.1f} {}", v, units[u]);
}

// Lower-cases and trims the ends; inner spaces stay so "10 5" is rejected, not read as 105.
static std::string lower_trim(std::string_view text) {
  std::string s;
  for (char c : text) s.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::uint64_t parse_bytes(std::string_view text, std::string_view what) {
  std::string s = lower_trim(text);
  std::size_t pos = 0;
  double number = 0;
  try {
    number = std::stod(s, &pos);
  } catch (...) {
    pos = 0;
  }
  if (pos == 0 || number < 0 || !std::isfinite(number))
    throw UsageError(fmt::format("invalid {} '{}'", what, text), "use a byte count such as 512MB, 2GiB or 1048576");
  std::string unit = s.substr(pos);
  if (!unit.empty() && unit.front() == ' ') unit.erase(0, unit.find_first_not_of(' '));
  double mult = 0;
  if (unit.empty() || unit == "b") mult = 1;
  else if (unit == "k" || unit == "kb") mult = 1e3;
  else if (unit == "m" || unit == "mb") mult = 1e6;
  else if (unit == "g" || unit == "gb") mult = 1e9;
  else if (unit == "t" || unit == "tb") mult = 1e12;
  else if (unit == "ki" || unit == "kib") mult = 1024.0;
  else if (unit == "mi" || unit == "mib") mult = 1024.0 * 1024;
  else if (unit == "gi" || unit == "gib") mult = 1024.0 * 1024 * 1024;
  else if (unit == "ti" || unit == "tib") mult = 1024.0 * 1024 * 1024 * 1024;
  else throw UsageError(fmt::format("invalid {} '{}': unknown unit '{}'", what, text, unit), "use B, KB, MB, GB, KiB, MiB or GiB");
  // Past 2^63 llround overflows (and no file or layer is that large): refuse rather than wrap.
  if (number * mult >= 9223372036854775807.0)
    throw UsageError(fmt::format("invalid {} '{}': larger than 8 EiB", what, text), "use a byte count such as 512MB, 2GiB or 1TB");
  return static_cast<std::uint64_t>(std::llround(number * mult));
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds)) return "n/a";
  if (seconds < 0) return "-" + format_duration(-seconds);
  if (seconds < 1.0) return fmt::format("{:.0f}ms", seconds * 1000);
  if (seconds < 60.0) return fmt::format("{:.2f}s", seconds);
  auto total = static_cast<long long>(std::llround(seconds));
  long long h = total / 3600, m = (total % 3600) / 60, s = total % 60;
  if (h > 0) return fmt::format("{}h{:02}m{:02}s", h, m, s);
  return fmt::format("{}m{:02}s", m, s);
}

double parse_duration(std::string_view text, std::string_view what) {
  std::string s = lower_trim(text);
  auto bad = [&]() {
    return UsageError(fmt::format("invalid {} '{}'", what, text), "use a duration such as 180s, 3m, 1h30m, 14d or 500ms");
  };
  if (s.empty()) throw bad();
  double total = 0;
  std::size_t i = 0;
  bool any = false;
  while (i < s.size()) {
    std::size_t pos = 0;
    double number = 0;
    try {
      number = std::stod(s.substr(i), &pos);
    } catch (...) {
      throw bad();
    }
    if (number < 0 || !std::isfinite(number)) throw bad();
    i += pos;
    std::string unit;
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) unit.push_back(s[i++]);
    double mult = 0;
    if (unit.empty() || unit == "s") mult = 1;
    else if (unit == "ms") mult = 0.001;
    else if (unit == "m" || unit == "min") mult = 60;
    else if (unit == "h") mult = 3600;
    else if (unit == "d") mult = 86400;
    else if (unit == "w") mult = 7 * 86400;
    else throw bad();
    if (unit.empty() && i < s.size()) throw bad();
    total += number * mult;
    any = true;
  }
  if (!any) throw bad();
  return total;
}

std::string format_percent(double ratio) {
  if (!std::isfinite(ratio)) return "n/a";
  return fmt::format("{:.1f}%", ratio * 100.0);
}

double parse_bandwidth(std::string_view text, std::string_view what) {
  std::string s;
  for (char c : text)
    if (c != ' ') s += c;
  std::size_t pos = 0;
  double number = 0;
  try {
    number = std::stod(s, &pos);
  } catch (...) {
    pos = 0;
  }
  const std::string hint = "use e.g. 10Gbit/s, 2Gbps, 500MB/s or 1GiB/s";
  if (pos == 0 || !(number > 0) || !std::isfinite(number))
    throw UsageError(fmt::format("invalid {} '{}'", what, text), hint);
  // Case matters only for b (bits) against B (bytes), as in "Gb/s" and "GB/s".
  std::string unit = s.substr(pos);
  bool bits = false;
  if (unit.ends_with("/s")) unit.resize(unit.size() - 2);
  else if (unit.size() > 2 && unit.ends_with("ps")) unit.resize(unit.size() - 2), bits = true;
  std::string lower = lower_trim(unit);
  if (lower.ends_with("bit")) lower.resize(lower.size() - 3), bits = true;
  else if (!unit.empty() && unit.back() == 'b') lower.pop_back(), bits = true;
  else if (!unit.empty() && unit.back() == 'B') lower.pop_back();
  else if (!unit.empty()) throw UsageError(fmt::format("invalid {} '{}': unknown unit", what, text), hint);
  const bool binary = lower.size() == 2 && lower[1] == 'i';
  if (binary) lower.pop_back();
  double mult = 0;
  if (lower.empty()) mult = 1;
  else if (lower == "k") mult = binary ? 1024.0 : 1e3;
  else if (lower == "m") mult = binary ? 1024.0 * 1024 : 1e6;
  else if (lower == "g") mult = binary ? 1024.0 * 1024 * 1024 : 1e9;
  else if (lower == "t") mult = binary ? 1024.0 * 1024 * 1024 * 1024 : 1e12;
  else throw UsageError(fmt::format("invalid {} '{}': unknown unit", what, text), hint);
  return number * mult / (bits ? 8 : 1);
}

}  // namespace coldstart
