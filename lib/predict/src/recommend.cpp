#include "coldstart/predict/recommend.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "coldstart/core/error.hpp"

namespace coldstart::predict {
namespace {

constexpr std::int64_t kDay = 86400, kWeek = 7 * kDay;

std::string describe(const DetectedPeriod& p) {
  if (p.label == "free") return fmt::format("{:.1f} h period (confidence {:.2f})", p.seconds / 3600, p.confidence);
  return fmt::format("{} period (confidence {:.2f})", p.label, p.confidence);
}

// Scheduled floors: per hour, the lowest median forecast in that hour; consecutive hours with
// the same floor merge into one cron run, and weekdays with identical runs share one bound.
std::vector<HourlyBound> hourly_bounds(const SeasonalForecaster& model, double level, std::int64_t step,
                                       const PolicyOptions& policy, bool weekly) {
  std::vector<HourlyBound> out;
  const int days = weekly ? 7 : 1;
  std::map<std::vector<std::pair<std::pair<int, int>, int>>, std::vector<int>> by_runs;
  std::vector<std::vector<std::pair<std::pair<int, int>, int>>> order;
  for (int d = 0; d < days; ++d) {
    const std::int64_t midnight = (3 + d) * kDay;  // 1970-01-04 was a Sunday
    std::vector<int> floor_by_hour(24);
    for (int h = 0; h < 24; ++h) {
      double low = INFINITY;
      for (std::int64_t t = midnight + h * 3600; t < midnight + (h + 1) * 3600; t += std::min<std::int64_t>(step, 3600))
        low = std::min(low, level * model.profile_at(t));
      floor_by_hour[static_cast<std::size_t>(h)] =
          std::clamp(static_cast<int>(std::floor(low / policy.capacity_per_pod)), policy.min_replicas, policy.max_replicas);
    }
    std::vector<std::pair<std::pair<int, int>, int>> runs;
    for (int h = 0; h < 24; ++h) {
      int v = floor_by_hour[static_cast<std::size_t>(h)];
      if (!runs.empty() && runs.back().second == v) runs.back().first.second = h;
      else runs.push_back({{h, h}, v});
    }
    if (!by_runs.count(runs)) order.push_back(runs);
    by_runs[runs].push_back(d);
  }
  for (const auto& runs : order)
    for (const auto& [hours, floor] : runs) {
      HourlyBound b;
      if (weekly) b.weekdays = by_runs[runs];
      b.first_hour = hours.first;
      b.last_hour = hours.second;
      b.min_replicas = floor;
      b.max_replicas = policy.max_replicas;
      out.push_back(b);
    }
  return out;
}

// The decision replay; false when the history is too short for it (it then decides nothing).
bool try_backtest(const Series& series, const BacktestOptions& options, Recommendation& rec) {
  try {
    rec.backtest = run_backtest(series, options);
    rec.backtested = true;
    return true;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace

Recommendation recommend(const Series& series, const RecommendOptions& options) {
  Recommendation rec;
  rec.series_name = series.name;
  rec.step = series.step;
  rec.history_end = series.end();
  rec.history_seconds = series.duration_seconds();
  const std::vector<double> values = interpolate_missing(series.values);
  if (values.empty() || std::isnan(values.front()))
    throw Error(fmt::format("{}: no values to recommend from", series.name), "check the input file or query");
  rec.policy = options.policy;
  complete_policy(rec.policy, values);
  ForecastOptions fo = options.forecast;
  fo.quantile = rec.policy.quantile;
  rec.periods = detect_periods(series, options.period);

  BacktestOptions bo;
  bo.policy = rec.policy;
  bo.forecast = fo;
  bo.reactive_target = options.reactive_target;
  bo.headroom_target = options.headroom_target;
  bo.max_replay_seconds = options.replay_all ? 0 : options.decision_replay_days * kDay;

  const DetectedPeriod* period = rec.periods.primary();
  bool proactive = false;
  if (!period) {
    rec.reason = "no daily, weekly or other period was found in the history";
    if (!rec.periods.notes.empty()) rec.reason += " (" + rec.periods.notes.front() + ")";
    rec.reason += "; the load is not predictable, so scale reactively with headroom";
  } else if (rec.history_seconds < 2 * period->seconds + kDay) {
    rec.reason = fmt::format("{} found, but {:.1f} days of history is too short to fit and check a forecast "
                             "(need two cycles plus a day); scale reactively until more history exists",
                             describe(*period), rec.history_seconds / kDay);
  } else if (bo.period_seconds = period->seconds; !try_backtest(series, bo, rec)) {
    rec.reason = fmt::format("{} found, but {:.1f} days of history leave no day to check a forecast on after two cycles "
                             "of warm-up; scale reactively until more history exists",
                             describe(*period), rec.history_seconds / kDay);
  } else {
    const auto& fc = rec.backtest.policy("recommended").metrics;
    const auto& eq = rec.backtest.policy("equal_cost_hpa").metrics;
    const double days = static_cast<double>(rec.backtest.end - rec.backtest.start) / kDay;
    if (eq.under_provisioned_pod_minutes > 0 &&
        fc.under_provisioned_pod_minutes <= (1 - options.min_gain) * eq.under_provisioned_pod_minutes) {
      proactive = true;
      rec.reason = fmt::format("{}; replaying {:.0f} days, the forecast left {:.0f} under-provisioned pod-minutes "
                               "against {:.0f} for a reactive HPA with the same pod-hours",
                               describe(*period), days, fc.under_provisioned_pod_minutes, eq.under_provisioned_pod_minutes);
    } else {
      rec.reason = fmt::format("{}, but replaying {:.0f} days the forecast did not beat a reactive HPA with the same "
                               "pod-hours ({:.0f} vs {:.0f} under-provisioned pod-minutes); scale reactively with headroom",
                               describe(*period), days, fc.under_provisioned_pod_minutes, eq.under_provisioned_pod_minutes);
    }
  }

  if (!proactive) {
    rec.strategy = "observer";
    rec.hpa_target_utilization = options.headroom_target;
    bo.period_seconds = 0;
    try {
      rec.backtest = run_backtest(series, bo);
      rec.backtested = true;
    } catch (const Error&) {
      rec.backtested = false;  // too short to replay: the recommendation stands without evidence
    }
    return rec;
  }

  rec.strategy = "auto";
  rec.period_seconds = period->seconds;
  rec.hpa_target_utilization = rec.backtest.policy("equal_cost_hpa").target_utilization;
  const auto n = values.size();
  const auto day_h = static_cast<std::size_t>(kDay / series.step);
  SeasonalForecaster model(series, values, n, static_cast<std::int64_t>(period->seconds), {day_h}, fo);
  // The schedule's level: the mean deseasonalised value over the last day, steadier than one sample.
  double level = 0;
  const std::size_t last_day = std::min(n, day_h);
  for (std::size_t i = n - last_day; i < n; ++i) level += values[i] / model.profile_at(series.time_at(i));
  level /= static_cast<double>(last_day);
  const double band = std::max(1.0, model.error_quantile(day_h));
  for (std::size_t k = 0; k < day_h; ++k) {
    ForecastPoint p;
    p.time = rec.history_end + static_cast<std::int64_t>(k) * series.step;
    p.median = level * model.profile_at(p.time);
    p.upper = p.median * band;
    rec.forecast.push_back(p);
  }
  const auto ahead = static_cast<std::size_t>(std::ceil(rec.policy.ready_time_seconds / static_cast<double>(series.step)));
  for (std::size_t k = 0; k < rec.forecast.size(); ++k) {
    double need = 0;
    for (std::size_t j = k; j <= std::min(k + ahead, rec.forecast.size() - 1); ++j) need = std::max(need, rec.forecast[j].upper);
    rec.forecast[k].replicas = replicas_for(need, rec.policy);
  }
  const auto period_s = static_cast<std::int64_t>(period->seconds);
  if (period_s == kWeek || (period_s <= kDay && kDay % period_s == 0))
    rec.bounds = hourly_bounds(model, level, series.step, rec.policy, period_s == kWeek);
  return rec;
}

}  // namespace coldstart::predict
