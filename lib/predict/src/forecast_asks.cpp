#include "forecast_asks.hpp"

#include <algorithm>
#include <cmath>

namespace coldstart::predict::detail {

ForecastAsks::ForecastAsks(std::int64_t step, std::int64_t tick, double ready_seconds, double hold_seconds)
    : step_(step), tick_(tick), ready_(ready_seconds), reach_(ready_seconds + hold_seconds) {
  const auto last_tick = static_cast<double>(step - tick);  // the latest a tick starts in a sample
  max_h_ = steps_ahead(last_tick, reach_);
  score_h_ = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(ready_ / static_cast<double>(step))));
  // Error quantiles are fitted up to the ready time; the hold beyond it reuses the last band.
  fitted_h_ = std::max(std::min(max_h_, steps_ahead(last_tick, ready_)), score_h_);
}

std::size_t ForecastAsks::steps_ahead(double from, double seconds) const {
  return static_cast<std::size_t>(std::floor((from + seconds) / static_cast<double>(step_)));
}

std::vector<std::size_t> ForecastAsks::fitted_horizons() const {
  std::vector<std::size_t> out;
  for (std::size_t h = 1; h <= fitted_h_; ++h) out.push_back(h);
  return out;
}

void ForecastAsks::asks(double current, const std::vector<double>& upper, std::vector<Ask>& out) const {
  out.clear();
  for (std::int64_t into = 0; into < step_; into += tick_) {
    const auto from = static_cast<double>(into);
    const std::size_t ahead = std::min(steps_ahead(from, ready_), max_h_), far = std::min(steps_ahead(from, reach_), max_h_);
    Ask a;
    a.must = current;
    for (std::size_t h = 1; h <= ahead; ++h) a.must = std::max(a.must, upper[h]);
    a.held = a.must;
    for (std::size_t h = ahead + 1; h <= far; ++h) a.held = std::max(a.held, upper[h]);
    out.push_back(a);
  }
}

void ForecastScorer::add(double actual, double upper, double median, double seasonal_naive) {
  pinball_ += actual >= upper ? q_ * (actual - upper) : (1 - q_) * (upper - actual);
  covered_ += actual <= upper;
  abs_err_ += std::abs(actual - median);
  abs_naive_ += std::abs(actual - seasonal_naive);
  ++scored_;
}

void ForecastScorer::write(ForecastScore& score, double horizon_seconds) const {
  score.available = scored_ > 0;
  score.horizon_seconds = horizon_seconds;
  score.quantile = q_;
  score.samples = scored_;
  if (scored_) {
    score.pinball_loss = pinball_ / static_cast<double>(scored_);
    score.coverage = static_cast<double>(covered_) / static_cast<double>(scored_);
    score.mase = abs_naive_ > 0 ? abs_err_ / abs_naive_ : 0;
  }
}

}  // namespace coldstart::predict::detail
