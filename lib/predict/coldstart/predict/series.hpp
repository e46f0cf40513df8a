// predict::Series: one metric sampled at a fixed step. Every stage takes and returns one.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace coldstart::predict {

struct Series {
  std::string name;             // metric or file name, for messages and reports
  std::int64_t start = 0;       // unix seconds of values[0]
  std::int64_t step = 60;       // seconds between samples (> 0)
  std::vector<double> values;   // NaN marks a missing sample

  std::int64_t time_at(std::size_t i) const { return start + static_cast<std::int64_t>(i) * step; }
  std::int64_t end() const { return time_at(values.size()); }  // one step past the last sample
  double duration_seconds() const { return static_cast<double>(values.size()) * static_cast<double>(step); }
};

// Raw (timestamp, value) points before resampling, in file order.
struct Point {
  std::int64_t timestamp = 0;  // unix seconds
  double value = 0;
};

}  // namespace coldstart::predict
