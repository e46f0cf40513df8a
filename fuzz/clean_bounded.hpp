// Runs clean_points as ahpa does after a parse, with a step forced when the inferred one would
// resample into millions of samples (allowed up to 50M, ~600 MB and seconds each: too slow to fuzz).
#pragma once
#include <algorithm>
#include <string>
#include <vector>

#include "coldstart/predict/clean.hpp"

namespace coldstart::fuzz {

inline void clean_bounded(const std::vector<predict::Point>& points, const std::string& name) {
  predict::CleaningOptions options;
  std::vector<double> times;
  for (const auto& p : points) times.push_back(static_cast<double>(p.timestamp));
  std::sort(times.begin(), times.end());
  double min_gap = 0;
  for (std::size_t i = 1; i < times.size(); ++i)
    if (times[i] > times[i - 1] && (min_gap == 0 || times[i] - times[i - 1] < min_gap)) min_gap = times[i] - times[i - 1];
  double span = times.empty() ? 0 : times.back() - times.front();
  if (min_gap > 0 && span / min_gap > 1e5) options.step = static_cast<std::int64_t>(std::min(span / 1e5, 1e15)) + 1;
  predict::CleaningReport report;
  (void)predict::clean_points(points, name, options, report);
}

}  // namespace coldstart::fuzz
