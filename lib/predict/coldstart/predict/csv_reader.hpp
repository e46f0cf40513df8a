// CSV metrics: `timestamp,value` rows, with or without a header line.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "coldstart/predict/series.hpp"

namespace coldstart::predict {

struct CsvColumns {
  // A header name ("timestamp") or a 0-based index ("0"). Empty: a column named
  // timestamp/time/ts/date/datetime (else column 0), and value (else the first other column).
  std::string time_column;
  std::string value_column;
};

// Parses CSV text (comma, semicolon or tab separated; "#" comment lines and blank lines skipped).
// The first line is a header when its time cell is not a timestamp. Returns the points in file
// order. Throws Error "<source>:<line>: ..." naming the bad cell and what to fix; Error when the
// text has no data rows.
std::vector<Point> parse_csv(std::string_view text, const std::string& source, const CsvColumns& columns = {});

}  // namespace coldstart::predict
