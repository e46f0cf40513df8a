// Summary statistics of repeated measurements (bench samples), hyperfine-style.
#pragma once
#include <cstddef>
#include <vector>

namespace coldstart {

struct Summary {
  std::size_t count = 0;
  double min = 0, mean = 0, stddev = 0, p50 = 0, p90 = 0, p99 = 0, max = 0;
};

// The q-th quantile (0 <= q <= 1) by linear interpolation between closest ranks, numpy's default
// ("linear"): position q*(n-1) in the sorted values. 0 for no values.
double percentile(std::vector<double> values, double q);

// Sample standard deviation (n-1 in the denominator, like hyperfine); 0 for fewer than 2 values.
double sample_stddev(const std::vector<double>& values);

// min, mean, stddev, p50, p90, p99, max of the values; all 0 for no values.
Summary summarize(const std::vector<double>& values);

}  // namespace coldstart
