#include "coldstart/predict/forecast_service.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "coldstart/core/error.hpp"
#include "coldstart/core/log.hpp"
#include "coldstart/core/units.hpp"
#include "coldstart/predict/forecast.hpp"
#include "coldstart/predict/timestamp.hpp"

namespace coldstart::predict {

// One fit. The forecaster holds references to series and values, so a Model never moves (it
// lives behind a unique_ptr) and values only grow (new samples are appended, never rewritten).
struct ForecastService::Model {
  Series series;
  std::vector<double> values;          // NaN-free; values[i] is the sample at series.time_at(i)
  Recommendation rec;
  std::unique_ptr<SeasonalForecaster> forecaster;  // null when the strategy is reactive
  std::size_t max_h = 1;               // forecast horizons fitted: 1..max_h steps
  std::int64_t fitted_at = 0;
};

std::string_view mode_name(ServeMode mode) {
  switch (mode) {
    case ServeMode::forecast: return "forecast";
    case ServeMode::last_good_model: return "last_good_model";
    case ServeMode::reactive: return "reactive";
    case ServeMode::unavailable: return "unavailable";
  }
  return "unavailable";
}

ForecastService::ForecastService(ServeOptions options) : options_(std::move(options)) {
  if (options_.input.prometheus_url.empty() || options_.input.query.empty())
    throw UsageError("ahpa serve reads a live Prometheus", "pass --prometheus URL --query PROMQL");
  if (!(options_.refit_seconds > 0)) throw UsageError("--refit must be positive");
  options_.retry_seconds = std::min(options_.retry_seconds, options_.refit_seconds);
  state_.policy = options_.recommend.policy;
}

ForecastService::~ForecastService() = default;

std::int64_t ForecastService::step_seconds() const {
  if (model_) return model_->series.step;
  return options_.input.step_seconds > 0 ? static_cast<std::int64_t>(std::llround(options_.input.step_seconds)) : 60;
}

const ServeState& ForecastService::tick(std::int64_t now) {
  const bool due = state_.last_refit_attempt == 0 ||
                   now - state_.last_refit_attempt >= (state_.last_refit_ok ? options_.refit_seconds : options_.retry_seconds);
  if (due) refit(now);
  if (model_ && now - model_->fitted_at > options_.max_model_age_seconds) {
    log::warn("ahpa serve: dropping the last good model fitted at {}: older than {}", format_utc_time(model_->fitted_at),
              format_duration(options_.max_model_age_seconds));
    model_.reset();
  }
  fetch_recent(now);
  evaluate(now);
  return state_;
}

void ForecastService::refit(std::int64_t now) {
  state_.last_refit_attempt = now;
  try {
    MetricsInput in = options_.input;
    in.end = std::to_string(now);
    LoadedSeries loaded = load_metrics(in);
    auto m = std::make_unique<Model>();
    m->series = std::move(loaded.series);
    m->rec = recommend(m->series, options_.recommend);
    m->values = interpolate_missing(m->series.values);
    m->series.values = m->values;
    m->fitted_at = now;
    if (m->rec.strategy == "auto") {
      const auto step = static_cast<double>(m->series.step);
      // Horizons up to the ready time from anywhere inside the current step (as the backtest's
      // controller asks them), plus one step of scrape lag.
      m->max_h = static_cast<std::size_t>(std::floor((step + m->rec.policy.ready_time_seconds) / step)) + 1;
      std::vector<std::size_t> horizons;
      for (std::size_t h = 1; h <= m->max_h; ++h) horizons.push_back(h);
      ForecastOptions fo = options_.recommend.forecast;
      fo.quantile = m->rec.policy.quantile;
      m->forecaster = std::make_unique<SeasonalForecaster>(m->series, m->values, m->values.size(),
                                                           static_cast<std::int64_t>(m->rec.period_seconds), horizons, fo);
    }
    log::info("ahpa serve: refit on {} samples ending {}: {} ({})", m->values.size(),
              format_utc_time(m->series.end() - m->series.step), m->rec.strategy, m->rec.reason);
    model_ = std::move(m);
    state_.last_refit = now;
    state_.last_refit_ok = true;
    ++state_.refits;
  } catch (const Error& e) {
    state_.last_refit_ok = false;
    state_.last_error = e.what();
    ++state_.refit_failures;
    log::warn("ahpa serve: refit failed, {}: {}", model_ ? "keeping the last good model" : "no model yet",
              e.what());
  }
}

void ForecastService::fetch_recent(std::int64_t now) {
  const std::int64_t step = step_seconds();
  // Enough recent samples for the level (the forecaster's window) and any gap since the last tick.
  double window = std::max(options_.recommend.forecast.level_window_seconds, 3.0 * static_cast<double>(step)) +
                  2.0 * static_cast<double>(step);
  if (model_) {
    const double since = static_cast<double>(now - model_->series.end() + 2 * step);
    window = std::clamp(since, window, 10000.0 * static_cast<double>(step));
  }
  MetricsInput in = options_.input;
  in.end = std::to_string(now);
  in.range_seconds = std::ceil(window / static_cast<double>(step)) * static_cast<double>(step);  // keeps the step grid
  in.step_seconds = static_cast<double>(step);
  in.timeout_seconds = std::min(in.timeout_seconds, options_.fetch_timeout_seconds);
  in.cleaning.outlier_mad_k = 0;  // a short window has no baseline to call a spike an outlier
  in.log_reads = false;  // a read every tick: the log keeps to events
  LoadedSeries recent;
  try {
    recent = load_metrics(in);
  } catch (const Error& e) {
    fetch_ok_ = false;
    state_.last_error = e.what();
    ++state_.fetch_failures;
    return;
  }
  fetch_ok_ = true;
  const Series& s = recent.series;
  std::size_t last = s.values.size();
  while (last > 0 && std::isnan(s.values[last - 1])) --last;
  if (last == 0) return;
  state_.has_sample = true;
  state_.current = s.values[last - 1];
  state_.sample_time = s.time_at(last - 1);
  if (!model_ || s.step != model_->series.step) return;
  // Append samples past the model's end on its grid; a missing one is interpolated between
  // neighbours (or carried forward), as the fit's cleaning would.
  Model& m = *model_;
  std::vector<double> add;
  for (std::size_t i = 0; i < last; ++i) {
    const std::int64_t t = s.time_at(i);
    if (t < m.series.end() || (t - m.series.start) % m.series.step != 0) continue;
    const auto k = static_cast<std::size_t>((t - m.series.end()) / m.series.step);
    if (add.size() < k) add.resize(k, NAN);
    add.push_back(s.values[i]);
  }
  if (add.empty()) return;
  std::vector<double> joined{m.values.back()};
  joined.insert(joined.end(), add.begin(), add.end());
  joined = interpolate_missing(joined);
  m.values.insert(m.values.end(), joined.begin() + 1, joined.end());
  m.series.values.insert(m.series.values.end(), joined.begin() + 1, joined.end());
}

double reactive_served_value(double current, double hpa_target_utilization) {
  return hpa_target_utilization > 0 && hpa_target_utilization <= 1 ? current / hpa_target_utilization : current;
}

void ForecastService::evaluate(std::int64_t now) {
  ServeState& st = state_;
  st.evaluated_at = now;
  st.has_value = st.has_forecast = false;
  st.value = st.median = st.upper = 0;
  st.replicas = 0;
  st.step = step_seconds();
  st.period_seconds = model_ ? model_->rec.period_seconds : 0;
  st.strategy = model_ ? model_->rec.strategy : "";
  if (model_) st.policy = model_->rec.policy;
  const double stale = options_.stale_seconds > 0 ? options_.stale_seconds : std::max(300.0, 3.0 * static_cast<double>(st.step));
  const bool fresh = fetch_ok_ && st.has_sample && static_cast<double>(now - st.sample_time) <= stale;
  const PolicyOptions& policy = st.policy;
  auto set_value = [&](double need) {
    st.has_value = true;
    st.value = need;
    st.replicas = policy.capacity_per_pod > 0 ? replicas_for(need, policy) : 0;
  };

  if (fresh && model_ && model_->forecaster && model_->series.end() - model_->series.step == st.sample_time) {
    // The backtest's controller: cover the demand now and the upper forecast of every sample
    // that starts before a pod asked for now is ready.
    const Model& m = *model_;
    const auto c = m.values.size() - 1;
    const double step = static_cast<double>(m.series.step), ready = policy.ready_time_seconds;
    const double elapsed = static_cast<double>(now - st.sample_time);
    const auto ahead = std::min(m.max_h, static_cast<std::size_t>(std::floor((elapsed + ready) / step)));
    double need = m.values[c];
    for (std::size_t h = 1; h <= ahead; ++h) need = std::max(need, m.forecaster->upper(c, h));
    const auto h_ready = std::clamp<std::size_t>(static_cast<std::size_t>(std::llround((elapsed + ready) / step)), 1, m.max_h);
    st.has_forecast = true;
    st.median = m.forecaster->median(c, h_ready);
    st.upper = m.forecaster->upper(c, h_ready);
    set_value(need);
    if (st.last_refit_ok) {
      st.mode = ServeMode::forecast;
      st.reason = fmt::format("forecasting with the model fitted at {}", format_utc_time(m.fitted_at));
    } else {
      st.mode = ServeMode::last_good_model;
      st.reason = fmt::format("the latest refit failed ({}); forecasting with the last good model, fitted at {}",
                              st.last_error, format_utc_time(m.fitted_at));
    }
    return;
  }
  if (fresh) {
    st.mode = ServeMode::reactive;
    if (!model_) {
      set_value(st.current);
      st.reason = st.last_refit_ok ? "no model" : fmt::format("no model could be fitted ({}); serving the current value", st.last_error);
      return;
    }
    const double target = model_->rec.hpa_target_utilization;
    set_value(reactive_served_value(st.current, target));
    const std::string serving = target > 0 && target < 1
                                    ? fmt::format("serving the current value over the {:.0f}% reactive target", target * 100)
                                    : std::string("serving the current value");
    st.reason = model_->forecaster ? fmt::format("the newest samples do not continue the model's series; {}", serving)
                                   : fmt::format("the model forecasts nothing ({}); {}", model_->rec.reason, serving);
    return;
  }
  const std::string why = !fetch_ok_ ? fmt::format("Prometheus failed: {}", st.last_error)
                          : !st.has_sample ? std::string("the query returned no samples")
                                           : fmt::format("no sample since {} ({} ago)", format_utc_time(st.sample_time),
                                                         format_duration(static_cast<double>(now - st.sample_time)));
  // Stale: the last good fit's day-ahead forecast (its band covers a day ahead) while it lasts.
  if (model_ && model_->forecaster && !model_->rec.forecast.empty()) {
    const auto& fc = model_->rec.forecast;
    const std::int64_t until = now + static_cast<std::int64_t>(std::ceil(policy.ready_time_seconds));
    if (until >= fc.front().time && until <= fc.back().time) {
      // The samples that start before a pod asked for now is ready (at least the first one).
      double need = fc.front().upper, median = fc.front().median, upper = fc.front().upper;
      bool first = true;
      for (const auto& p : fc) {
        if (p.time + model_->series.step <= now || p.time > until) continue;
        need = first ? p.upper : std::max(need, p.upper);
        median = p.median, upper = p.upper;
        first = false;
      }
      st.mode = ServeMode::last_good_model;
      st.has_forecast = true;
      st.median = median;
      st.upper = upper;
      set_value(need);
      st.reason = fmt::format("{}; serving the day-ahead forecast of the last good model, fitted at {}", why,
                              format_utc_time(model_->fitted_at));
      return;
    }
  }
  st.mode = ServeMode::unavailable;
  st.reason = fmt::format("{}; no model covers now, so no value is served", why);
}

}  // namespace coldstart::predict
