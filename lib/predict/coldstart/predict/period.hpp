// Period detection: which cycles (daily, weekly, or another length) a metric repeats with,
// found by FFT with a permutation-test threshold and confirmed by autocorrelation.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "coldstart/predict/series.hpp"

namespace coldstart::predict {

struct DetectedPeriod {
  double seconds = 0;            // period length (86400 / 604800 exactly for daily / weekly)
  std::string label;             // "daily" | "weekly" | "free"
  double power_ratio = 0;        // periodogram peak / permutation threshold (> 1 = significant)
  double autocorrelation = 0;    // autocorrelation of the detrended series at this lag
  double confidence = 0;         // 0..1: autocorrelation, scaled down when the peak is barely significant
};

struct PeriodOptions {
  std::uint64_t seed = 42;              // permutation test seed: same input, same answer
  int permutations = 19;                // threshold = largest peak among shuffles (p < 1/(n+1))
  double min_autocorrelation = 0.4;     // a candidate must repeat at least this well
  std::size_t max_points = 4096;        // the series is block-averaged down to at most this
};

struct PeriodResult {
  std::vector<DetectedPeriod> periods;  // strongest first; empty when nothing repeats
  std::vector<std::string> notes;       // why a daily/weekly period could not be tested, etc.
  double history_seconds = 0;
  double p_value = 0;                   // the permutation test's significance level
  // The period the forecast should use: weekly if found, else daily, else the strongest; null if none.
  const DetectedPeriod* primary() const;
};

// Detects periods between 4 samples and half the history. NaN samples are interpolated.
PeriodResult detect_periods(const Series& series, const PeriodOptions& options = {});

}  // namespace coldstart::predict
