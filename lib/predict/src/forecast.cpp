#include "coldstart/predict/forecast.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "coldstart/core/error.hpp"

namespace coldstart::predict {

std::vector<double> interpolate_missing(const std::vector<double>& v) {
  std::vector<double> out(v);
  std::size_t last = SIZE_MAX;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (std::isnan(out[i])) continue;
    if (last == SIZE_MAX) std::fill(out.begin(), out.begin() + static_cast<long>(i), out[i]);
    else
      for (std::size_t j = last + 1; j < i; ++j)
        out[j] = out[last] + (out[i] - out[last]) * static_cast<double>(j - last) / static_cast<double>(i - last);
    last = i;
  }
  if (last != SIZE_MAX) std::fill(out.begin() + static_cast<long>(last) + 1, out.end(), out[last]);
  return out;
}

double quantile(std::vector<double> v, double q) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }), v.end());
  if (v.empty()) return NAN;
  double pos = std::clamp(q, 0.0, 1.0) * static_cast<double>(v.size() - 1);
  auto lo = static_cast<std::size_t>(std::floor(pos));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(lo), v.end());
  double low = v[lo];
  if (lo + 1 >= v.size()) return low;
  double high = *std::min_element(v.begin() + static_cast<long>(lo) + 1, v.end());
  return low + (high - low) * (pos - static_cast<double>(lo));
}

SeasonalForecaster::SeasonalForecaster(const Series& series, const std::vector<double>& values, std::size_t end,
                                       std::int64_t period_seconds, const std::vector<std::size_t>& horizons,
                                       const ForecastOptions& options)
    : series_(series), values_(values), period_(period_seconds) {
  const std::int64_t step = series.step;
  const auto phases = static_cast<std::size_t>(std::max<std::int64_t>(1, period_seconds / step));
  if (end > values.size()) end = values.size();
  if (end < 2 * phases) throw Error("seasonal forecast needs at least 2 cycles of history before the forecast start");
  level_samples_ = std::clamp<std::size_t>(static_cast<std::size_t>(std::lround(options.level_window_seconds / step)), 1, 60);

  // Per-phase median over the most recent cycles, each cycle divided by its own mean so a
  // growing or shrinking load does not distort the shape.
  const std::size_t cycles = std::min(options.max_cycles, end / phases);
  std::vector<std::vector<double>> by_phase(phases);
  for (std::size_t c = 0; c < cycles; ++c) {
    const std::size_t first = end - (c + 1) * phases;
    double mean = std::accumulate(values.begin() + static_cast<long>(first),
                                  values.begin() + static_cast<long>(first + phases), 0.0) / static_cast<double>(phases);
    if (mean <= 0) continue;
    for (std::size_t i = first; i < first + phases; ++i) {
      auto phase = static_cast<std::size_t>(((series.time_at(i) % period_) + period_) % period_ / step) % phases;
      by_phase[phase].push_back(values[i] / mean);
    }
  }
  profile_.assign(phases, 1.0);
  for (std::size_t p = 0; p < phases; ++p)
    if (!by_phase[p].empty()) profile_[p] = quantile(by_phase[p], 0.5);
  // Light circular smoothing (about 15 minutes) so one odd sample does not shape the forecast.
  const std::size_t half = std::min<std::size_t>(phases / 8, static_cast<std::size_t>(std::max<std::int64_t>(0, 450 / step)));
  if (half > 0) {
    std::vector<double> smooth(phases);
    for (std::size_t p = 0; p < phases; ++p) {
      double s = 0;
      for (std::size_t k = 0; k <= 2 * half; ++k) s += profile_[(p + phases + k - half) % phases];
      smooth[p] = s / static_cast<double>(2 * half + 1);
    }
    profile_ = std::move(smooth);
  }
  double mean = std::accumulate(profile_.begin(), profile_.end(), 0.0) / static_cast<double>(phases);
  if (mean <= 0) mean = 1;
  for (double& f : profile_) f /= mean;
  floor_ = 0.02;

  // Error quantiles: how far actual values landed above the median forecast at each horizon.
  const auto window = static_cast<std::size_t>(options.error_window_days * 86400 / static_cast<double>(step));
  const std::size_t from = end > window ? end - window : 0;
  // Prefix sums of the deseasonalised values over the error window make level() O(1) there.
  prefix_from_ = from;
  prefix_.assign(1, 0.0);
  for (std::size_t i = from; i < end; ++i) prefix_.push_back(prefix_.back() + values[i] / profile_at(series.time_at(i)));
  for (std::size_t h : horizons) {
    std::vector<double> ratios;
    for (std::size_t i = std::max(from, level_samples_); i + h < end; ++i) {
      double m = median(i, h);
      if (m > 0) ratios.push_back(values[i + h] / m);
    }
    double q = quantile(std::move(ratios), options.quantile);
    error_q_.emplace_back(h, std::isfinite(q) ? std::max(q, 0.0) : 1.0);
  }
}

double SeasonalForecaster::profile_at(std::int64_t t) const {
  const auto phases = profile_.size();
  auto phase = static_cast<std::size_t>(((t % period_) + period_) % period_ / series_.step) % phases;
  return std::max(profile_[phase], floor_);
}

double SeasonalForecaster::level(std::size_t i) const {
  if (i == cached_level_index_) return cached_level_;
  const std::size_t k = std::min(level_samples_, i + 1);
  if (i + 1 - k >= prefix_from_ && i + 1 - prefix_from_ < prefix_.size())
    return (prefix_[i + 1 - prefix_from_] - prefix_[i + 1 - k - prefix_from_]) / static_cast<double>(k);
  double sum = 0;
  std::size_t n = 0;
  for (std::size_t k = 0; k < level_samples_ && k <= i; ++k, ++n)
    sum += values_[i - k] / profile_at(series_.time_at(i - k));
  cached_level_index_ = i;
  cached_level_ = n ? sum / static_cast<double>(n) : 0;
  return cached_level_;
}

double SeasonalForecaster::median(std::size_t i, std::size_t h) const {
  return level(i) * profile_at(series_.time_at(i + h));
}

double SeasonalForecaster::error_quantile(std::size_t h) const {
  for (const auto& [hh, q] : error_q_)
    if (hh == h) return q;
  throw Error("internal: forecast horizon was not fitted");
}

double SeasonalForecaster::upper(std::size_t i, std::size_t h) const { return median(i, h) * error_quantile(h); }

}  // namespace coldstart::predict
