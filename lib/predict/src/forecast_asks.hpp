// What the forecast controller asks for at each simulation tick, shared by the in-sample replay
// (backtest.cpp) and the walk-forward one (walk_forward.cpp). A pod asked for at tick t serves
// from t + ready time, so the controller covers the demand now and the upper forecast of every
// sample that starts before then (`must`); a scale-down goes no lower than the forecast on to the
// end of the hold (`held`).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "coldstart/predict/backtest.hpp"

namespace coldstart::predict::detail {

class ForecastAsks {
 public:
  // `step`: seconds per sample; `tick`: seconds per simulation tick (divides step).
  ForecastAsks(std::int64_t step, std::int64_t tick, double ready_seconds, double hold_seconds);

  std::size_t max_horizon() const { return max_h_; }        // the furthest step any tick looks at
  std::size_t fitted_horizon() const { return fitted_h_; }  // error quantiles fitted up to here
  std::size_t score_horizon() const { return score_h_; }    // forecasts are scored this far ahead
  std::vector<std::size_t> fitted_horizons() const;         // 1..fitted_horizon(), for the model

  struct Ask {
    double must = 0;  // demand to have ready capacity for now
    double held = 0;  // the floor of a scale-down
  };
  // The asks of every tick of one sample: `current` is its value, `upper[h]` (h = 1..max_horizon())
  // the upper forecast h steps ahead made at it.
  void asks(double current, const std::vector<double>& upper, std::vector<Ask>& out) const;

 private:
  std::size_t steps_ahead(double from, double seconds) const;
  std::int64_t step_, tick_;
  double ready_, reach_;
  std::size_t max_h_, fitted_h_, score_h_;
};

// The forecast's own score at the score horizon: pinball loss and coverage of the upper band,
// MASE of the median against the seasonal naive forecast.
class ForecastScorer {
 public:
  explicit ForecastScorer(double quantile) : q_(quantile) {}
  void add(double actual, double upper, double median, double seasonal_naive);
  void write(ForecastScore& score, double horizon_seconds) const;

 private:
  double q_, pinball_ = 0, abs_err_ = 0, abs_naive_ = 0;
  std::size_t covered_ = 0, scored_ = 0;
};

}  // namespace coldstart::predict::detail
