// Level-adjusted seasonal forecast: the seasonal profile (per-phase median over past cycles,
// each cycle normalised by its own level) times the current level, with an upper band at the
// requested quantile taken from the forecaster's own past errors at each horizon.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "coldstart/predict/series.hpp"

namespace coldstart::predict {

// NaN samples replaced by linear interpolation (edges: the nearest value). All NaN: unchanged.
std::vector<double> interpolate_missing(const std::vector<double>& values);

// q-quantile (0..1, linear interpolation) of finite values; NaN when there are none.
double quantile(std::vector<double> values, double q);

struct ForecastOptions {
  double quantile = 0.95;          // upper band: this quantile of the forecast's past ratio errors
  std::size_t max_cycles = 8;      // profile from at most this many most recent cycles
  double error_window_days = 14;   // errors measured over at most this much recent history
  double level_window_seconds = 600;  // current level = mean of y/profile over this window
};

class SeasonalForecaster {
 public:
  // Fits on values[0, end) of `series` (no look-ahead past `end`); `values` must be NaN-free.
  // `horizons` lists the step counts whose error quantiles are needed.
  SeasonalForecaster(const Series& series, const std::vector<double>& values, std::size_t end,
                     std::int64_t period_seconds, const std::vector<std::size_t>& horizons,
                     const ForecastOptions& options);

  // Seasonal factor (mean 1 over a cycle) at unix time t.
  double profile_at(std::int64_t t) const;
  // Deseasonalised level from samples up to and including i (may be ≥ end: observed in real time).
  double level(std::size_t i) const;
  // Median forecast of sample i + h made when sample i was the latest observed.
  double median(std::size_t i, std::size_t h) const;
  // Upper forecast at the quantile; h must be one of the fitted horizons.
  double upper(std::size_t i, std::size_t h) const;
  // The multiplicative error quantile at horizon h (≥ ~1 for high quantiles).
  double error_quantile(std::size_t h) const;
  std::int64_t period_seconds() const { return period_; }

 private:
  const Series& series_;
  const std::vector<double>& values_;
  std::int64_t period_;
  std::size_t level_samples_;
  std::vector<double> profile_;  // one factor per step of the period
  std::vector<std::pair<std::size_t, double>> error_q_;
  double floor_ = 0;            // profile factors are kept above this to avoid dividing by ~0
  std::size_t prefix_from_ = 0;  // prefix_[k] = Σ deseasonalised values[prefix_from_, prefix_from_ + k)
  std::vector<double> prefix_;
  mutable std::size_t cached_level_index_ = SIZE_MAX;  // the replay asks for one level many times
  mutable double cached_level_ = 0;
};

}  // namespace coldstart::predict
