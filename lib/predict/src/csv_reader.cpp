#include "coldstart/predict/csv_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "coldstart/core/error.hpp"
#include "coldstart/predict/timestamp.hpp"

namespace coldstart::predict {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Splits one line on `sep`; a field in double quotes may hold the separator ("" is a quote).
void split_line(std::string_view line, char sep, std::vector<std::string_view>& cells, std::string& scratch) {
  cells.clear();
  if (line.find('"') == std::string_view::npos) {  // fast path: no quoting
    std::size_t start = 0;
    while (true) {
      std::size_t at = line.find(sep, start);
      if (at == std::string_view::npos) {
        cells.push_back(trim(line.substr(start)));
        return;
      }
      cells.push_back(trim(line.substr(start, at - start)));
      start = at + 1;
    }
  }
  // Quoted fields are unescaped into `scratch`; views point into it once it stops growing.
  scratch.clear();
  scratch.reserve(line.size());
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  std::size_t i = 0;
  while (true) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t') && line[i] != sep) ++i;
    std::size_t begin = scratch.size();
    if (i < line.size() && line[i] == '"') {
      ++i;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            scratch.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        scratch.push_back(line[i++]);
      }
      while (i < line.size() && line[i] != sep) ++i;  // ignore anything after the closing quote
    } else {
      while (i < line.size() && line[i] != sep) scratch.push_back(line[i++]);
    }
    spans.emplace_back(begin, scratch.size() - begin);
    if (i >= line.size()) break;
    ++i;  // separator
  }
  std::string_view all(scratch);
  for (auto [b, n] : spans) cells.push_back(trim(all.substr(b, n)));
}

// Values: numbers, or NaN/Inf spellings; an empty cell is a missing sample (NaN).
bool parse_value(std::string_view s, double& out) {
  if (s.empty()) {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  std::string_view n = s;
  if (n.front() == '+') n.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(n.data(), n.data() + n.size(), out);
  if (ec == std::errc() && ptr == n.data() + n.size()) return true;
  std::string l = lower(s);
  if (l == "nan" || l == "null" || l == "na" || l == "none") {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (l == "inf" || l == "+inf" || l == "infinity" || l == "+infinity") {
    out = std::numeric_limits<double>::infinity();
    return true;
  }
  if (l == "-inf" || l == "-infinity") {
    out = -std::numeric_limits<double>::infinity();
    return true;
  }
  return false;
}

bool is_index(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

char detect_separator(std::string_view line) {
  if (line.find('\t') != std::string_view::npos) return '\t';
  if (line.find(',') == std::string_view::npos && line.find(';') != std::string_view::npos) return ';';
  return ',';
}

std::string separator_name(char sep) { return sep == '\t' ? "tab" : std::string("'") + sep + "'"; }

}  // namespace

std::vector<Point> parse_csv(std::string_view text, const std::string& source, const CsvColumns& columns) {
  std::vector<Point> points;
  points.reserve(text.size() / 24);
  std::vector<std::string_view> cells;
  std::string scratch;
  std::vector<std::string> header;
  char sep = 0;
  std::size_t time_index = 0, value_index = 1;
  std::string time_label, value_label;
  bool first_line = true;
  std::size_t line_no = 0;
  std::size_t pos = 0;

  auto fail = [&](const std::string& what, const std::string& hint) -> Error {
    return Error(fmt::format("{}:{}: {}", source, line_no, what), hint);
  };

  // Resolves a column spec against the header (or as an index when there is none).
  bool first_line_is_data = false;
  auto resolve = [&](const std::string& spec, const char* flag, bool have_header) -> std::size_t {
    if (is_index(spec)) return static_cast<std::size_t>(std::stoul(spec));
    if (!have_header || first_line_is_data)
      throw UsageError(fmt::format("{}: {} '{}' names a column, but the file has no header line", source, flag, spec),
                       "pass a 0-based column index instead");
    std::string want = lower(spec);
    for (std::size_t i = 0; i < header.size(); ++i)
      if (lower(header[i]) == want) return i;
    std::string names;
    for (auto& h : header) names += (names.empty() ? "" : ", ") + h;
    throw UsageError(fmt::format("{}: {} '{}' is not a column of the header", source, flag, spec),
                     "columns are: " + names);
  };

  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_no == 1 && line.size() >= 3 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);  // UTF-8 BOM
    std::string_view t = trim(line);
    if (t.empty() || t.front() == '#') continue;

    if (first_line) {
      first_line = false;
      sep = detect_separator(line);
      split_line(line, sep, cells, scratch);
      // A header is a first line whose time cell is not a timestamp.
      std::size_t probe = is_index(columns.time_column) ? std::stoul(columns.time_column) : 0;
      bool has_header = !columns.time_column.empty() && !is_index(columns.time_column);
      first_line_is_data = probe < cells.size() && parse_timestamp(cells[probe]);
      // A bad first row ("2014-13-45,5") must be reported, not skipped as a header: a header's
      // value cell is a name, not a number.
      std::size_t value_probe = is_index(columns.value_column) ? std::stoul(columns.value_column) : (probe == 0 ? 1 : 0);
      double ignored = 0;
      bool value_is_number = value_probe < cells.size() && !cells[value_probe].empty() &&
                             parse_value(cells[value_probe], ignored) && std::isfinite(ignored);
      if (!has_header) has_header = !first_line_is_data && !value_is_number;
      if (has_header) {
        for (auto c : cells) header.emplace_back(c);
        if (!columns.time_column.empty()) {
          time_index = resolve(columns.time_column, "--time-column", true);
        } else {
          time_index = 0;
          for (const char* name : {"timestamp", "time", "ts", "date", "datetime", "t"}) {
            auto it = std::find_if(header.begin(), header.end(), [&](const std::string& h) { return lower(h) == name; });
            if (it != header.end()) {
              time_index = static_cast<std::size_t>(it - header.begin());
              break;
            }
          }
        }
        if (!columns.value_column.empty()) {
          value_index = resolve(columns.value_column, "--value-column", true);
        } else {
          auto it = std::find_if(header.begin(), header.end(), [](const std::string& h) { return lower(h) == "value"; });
          value_index = it != header.end() ? static_cast<std::size_t>(it - header.begin()) : (time_index == 0 ? 1 : 0);
        }
      } else {
        time_index = columns.time_column.empty() ? 0 : resolve(columns.time_column, "--time-column", false);
        value_index = columns.value_column.empty() ? (time_index == 0 ? 1 : 0)
                                                   : resolve(columns.value_column, "--value-column", false);
      }
      if (time_index == value_index)
        throw UsageError(fmt::format("{}: the time and value columns are both column {}", source, time_index),
                         "pick different columns with --time-column and --value-column");
      time_label = time_index < header.size() ? "'" + header[time_index] + "'" : fmt::format("{}", time_index);
      value_label = value_index < header.size() ? "'" + header[value_index] + "'" : fmt::format("{}", value_index);
      if (has_header) {
        std::size_t need = std::max(time_index, value_index) + 1;
        if (header.size() < need)
          throw fail(fmt::format("the header has {} column(s) (separator {}), but column {} is needed", header.size(),
                                 separator_name(sep), need - 1),
                     "check the separator and --time-column/--value-column");
        continue;
      }
    } else {
      split_line(line, sep, cells, scratch);
    }

    std::size_t need = std::max(time_index, value_index) + 1;
    if (cells.size() < need)
      throw fail(fmt::format("row has {} column(s), expected at least {} (separator {})", cells.size(), need,
                             separator_name(sep)),
                 "fix or delete the row");
    auto ts = parse_timestamp(cells[time_index]);
    if (!ts)
      throw fail(fmt::format("timestamp '{}' in column {} is neither unix seconds nor ISO 8601", cells[time_index],
                             time_label),
                 "write e.g. 1404172800 or 2014-07-01T00:00:00Z, or pick the column with --time-column");
    double value = 0;
    if (!parse_value(cells[value_index], value))
      throw fail(fmt::format("value '{}' in column {} is not a number", cells[value_index], value_label),
                 "fix or delete the row, or pick the column with --value-column");
    points.push_back({static_cast<std::int64_t>(std::llround(*ts)), value});
  }
  if (points.empty())
    throw Error(fmt::format("{}: no data rows", source),
                "expected CSV lines like 'timestamp,value' then '1404172800,42' or '2014-07-01 00:00:00,42'");
  return points;
}

}  // namespace coldstart::predict
