#include "coldstart/predict/walk_forward.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "coldstart/core/error.hpp"
#include "coldstart/predict/forecast.hpp"
#include "coldstart/predict/forecast_service.hpp"
#include "coldstart/predict/replay.hpp"
#include "equal_cost_search.hpp"
#include "forecast_asks.hpp"

namespace coldstart::predict {
namespace {

constexpr std::int64_t kDay = 86400;

// The scheduled floor per UTC hour on `weekday` (0 = Sunday): the cron bounds in force then.
std::array<int, 24> floors_for(const Recommendation& rec, int weekday) {
  std::array<int, 24> floor{};
  for (const auto& b : rec.bounds) {
    if (!b.weekdays.empty() && std::find(b.weekdays.begin(), b.weekdays.end(), weekday) == b.weekdays.end()) continue;
    for (int h = b.first_hour; h <= b.last_hour && h < 24; ++h)
      floor[static_cast<std::size_t>(h)] = std::max(floor[static_cast<std::size_t>(h)], b.min_replicas);
  }
  return floor;
}

// What the manifest `recommend` prints for `format` asks of its controller (see emit_*.cpp).
DayPlan plan_for(ManifestFormat format, const Recommendation& rec, std::size_t first_tick, int weekday) {
  DayPlan p;
  p.first_tick = first_tick;
  p.min_replicas = rec.policy.min_replicas;
  p.max_replicas = rec.policy.max_replicas;
  const bool proactive = rec.strategy == "auto";
  switch (format) {
    case ManifestFormat::ahpa:
      // auto: AHPA's forecast (ours stands in for its closed one) within instanceBounds;
      // observer: AHPA only watches, the advice is an HPA with headroom.
      p.forecast = proactive;
      p.reactive_target = proactive ? 0 : rec.hpa_target_utilization;
      break;
    case ManifestFormat::hpa:
      p.reactive_target = rec.hpa_target_utilization;
      p.min_replicas = std::max(1, p.min_replicas);
      break;
    case ManifestFormat::keda:
      p.reactive_target = rec.hpa_target_utilization;  // cron triggers + the reactive trigger
      break;
    case ManifestFormat::crane:
      // auto: crons + the metric at the full capacity per pod (Crane's DSP prediction metric is
      // not replayed: it could only add replicas); otherwise the headroom target.
      p.reactive_target = proactive ? 1.0 : rec.hpa_target_utilization;
      break;
    case ManifestFormat::keda_serve:
      // One metrics-api trigger at the capacity per pod reading `ahpa serve`'s /forecast: the
      // forecast controller's need on auto days, the current value otherwise; no cron floors.
      // A forecast strategy gets keda_serve_scaling()'s behaviour; otherwise the HPA defaults.
      p.served = true;
      if (proactive) {
        p.scale_up_tolerance = keda_serve_scaling().scale_up_tolerance;
        p.scale_down_window = keda_serve_scaling().scale_down_window_seconds;
      }
      return p;
  }
  if (proactive) p.floor = floors_for(rec, weekday);
  return p;
}

PolicyOutcome outcome(std::string name, std::string description, const std::vector<double>& demand, Timeline timeline,
                      const SimulationConfig& sim) {
  PolicyOutcome o;
  o.name = std::move(name);
  o.description = std::move(description);
  o.metrics = measure(demand, timeline, sim);
  o.timeline = std::move(timeline);
  return o;
}

// The reactive HPA (the day plans' bounds, one target throughout) spending `budget` pod-hours
// (see search_equal_cost); `known` > 0: the replayed manifest is itself this reactive HPA.
PolicyOutcome equal_cost(const std::vector<double>& demand, std::vector<DayPlan> plans, double budget, int initial,
                         const SimulationConfig& sim, const Damping& damping, double known, const PolicyOutcome& hint) {
  auto run = [&](double target) {
    for (auto& p : plans) p.reactive_target = target;
    PolicyOutcome o = outcome("equal_cost_hpa", "", demand, simulate_manifest(demand, plans, {}, {}, initial, sim, damping), sim);
    o.target_utilization = target;
    return o;
  };
  PolicyOutcome best = detail::search_equal_cost(run, budget, known, hint.target_utilization, hint.metrics.pod_hours);
  best.description = fmt::format("reactive HPA, target {:.0f}% tuned to the same pod-hours", best.target_utilization * 100);
  return best;
}

}  // namespace

std::string format_name(ManifestFormat format) {
  switch (format) {
    case ManifestFormat::ahpa: return "ahpa";
    case ManifestFormat::hpa: return "hpa";
    case ManifestFormat::keda: return "keda";
    case ManifestFormat::crane: return "crane";
    case ManifestFormat::keda_serve: return "keda-serve";
  }
  return "ahpa";
}

bool FormatReplay::not_worse_than_equal_cost() const {
  return outcome.metrics.under_provisioned_pod_minutes <= equal_cost.metrics.under_provisioned_pod_minutes + 1e-6;
}

std::vector<double> carry_forward(const std::vector<double>& values) {
  std::vector<double> out(values);
  auto first = std::find_if(out.begin(), out.end(), [](double v) { return !std::isnan(v); });
  if (first == out.end()) return out;
  std::fill(out.begin(), first, *first);
  for (auto it = first + 1; it != out.end(); ++it)
    if (std::isnan(*it)) *it = *(it - 1);
  return out;
}

WalkForwardResult run_walk_forward(const Series& series, const WalkForwardOptions& o) {
  if (o.formats.empty()) throw Error("internal: no format to replay");
  const std::int64_t step = series.step;
  const std::vector<double> values = carry_forward(series.values);
  const std::size_t n = values.size();
  if (n == 0 || std::isnan(values[0])) throw Error(fmt::format("{}: no values to backtest", series.name));

  // Warm-up: a week (at most half the history), then whole UTC days.
  const double warmup = std::min(o.min_warmup_seconds, series.duration_seconds() / 2);
  const std::int64_t first_day = (series.start + static_cast<std::int64_t>(warmup) + kDay - 1) / kDay * kDay;
  const auto e0 = static_cast<std::size_t>(std::max<std::int64_t>(0, (first_day - series.start + step - 1) / step));
  if (e0 >= n || static_cast<double>(e0) * static_cast<double>(step) < kDay)
    throw Error(fmt::format("{}: {:.1f} days of history is too short to backtest", series.name, series.duration_seconds() / kDay),
                "need at least 2 days: a day of warm-up, then whole days to replay");

  WalkForwardResult w;
  w.perfect_foresight = o.perfect_foresight;
  BacktestResult& r = w.replay;
  r.tick = step % 15 == 0 ? 15 : step;
  const auto ticks_per_step = static_cast<std::size_t>(step / r.tick);
  r.start = series.time_at(e0);
  r.end = series.end();
  r.demand.reserve((n - e0) * ticks_per_step);
  for (std::size_t c = e0; c < n; ++c) r.demand.insert(r.demand.end(), ticks_per_step, values[c]);

  // The capacity per pod is the unit of every figure: the user's, or derived once from the warm-up.
  PolicyOptions base = o.recommend.policy;
  if (base.capacity_per_pod == 0) {
    PolicyOptions warm = base;
    complete_policy(warm, std::vector<double>(values.begin(), values.begin() + static_cast<long>(e0)));
    base.capacity_per_pod = warm.capacity_per_pod;
  }
  SimulationConfig sim;
  sim.tick = r.tick;
  sim.ready_time = base.ready_time_seconds;
  sim.capacity_per_pod = base.capacity_per_pod;

  const auto asked = [&](ManifestFormat f) { return std::find(o.formats.begin(), o.formats.end(), f) != o.formats.end(); };
  const bool any_forecast = asked(ManifestFormat::ahpa) || asked(ManifestFormat::keda_serve);
  const detail::ForecastAsks controller(step, r.tick, base.ready_time_seconds, o.damping.hold_seconds);
  const std::size_t max_h = controller.max_horizon(), fitted_h = controller.fitted_horizon(), score_h = controller.score_horizon();
  const std::vector<std::size_t> horizons = controller.fitted_horizons();
  std::vector<detail::ForecastAsks::Ask> asks;
  detail::ForecastScorer scorer(base.quantile);
  std::vector<int> need(any_forecast ? r.demand.size() : 0), hold(need.size());
  // What `ahpa serve` answers on /forecast at each tick: the forecast need on forecast days, else
  // the current value with the recommendation's headroom (see reactive_served_value).
  std::vector<double> served = any_forecast ? r.demand : std::vector<double>{};
  std::vector<std::vector<DayPlan>> plans(o.formats.size());
  std::vector<DayPlan> baseline;
  int max_seen = 1;

  for (std::size_t c0 = e0; c0 < n;) {
    const std::int64_t day = series.time_at(c0) / kDay;
    std::size_t c1 = c0;
    while (c1 < n && series.time_at(c1) / kDay == day) ++c1;
    // The manifest `recommend` prints from the data before this day, exactly as deployed that morning.
    Series prefix{series.name, series.start, step, std::vector<double>(series.values.begin(), series.values.begin() + static_cast<long>(c0))};
    RecommendOptions ro = o.recommend;
    ro.policy = base;
    ro.replay_all = false;
    const Recommendation rec = recommend(prefix, ro);
    w.days.push_back({series.time_at(c0), rec.strategy, rec.period_seconds, rec.policy.max_replicas, rec.hpa_target_utilization});
    w.policy = rec.policy;
    max_seen = std::max(max_seen, rec.policy.max_replicas);
    const std::size_t first_tick = (c0 - e0) * ticks_per_step;
    const int weekday = static_cast<int>((day + 4) % 7);  // 1970-01-01 was a Thursday
    for (std::size_t f = 0; f < o.formats.size(); ++f) plans[f].push_back(plan_for(o.formats[f], rec, first_tick, weekday));
    DayPlan b;
    b.first_tick = first_tick;
    b.reactive_target = o.recommend.reactive_target;
    b.min_replicas = rec.policy.min_replicas;
    b.max_replicas = rec.policy.max_replicas;
    baseline.push_back(b);

    if (!any_forecast || rec.strategy != "auto") {
      if (any_forecast)
        for (std::size_t i = (c0 - e0) * ticks_per_step; i < (c1 - e0) * ticks_per_step; ++i)
          served[i] = reactive_served_value(r.demand[i], rec.hpa_target_utilization);
      c0 = c1;
      continue;
    }
    // This day's forecast, fitted on the data before it; the level follows the samples as they arrive.
    const auto period = static_cast<std::int64_t>(rec.period_seconds);
    const auto period_steps = static_cast<std::size_t>(period / step);
    ForecastOptions fo = o.recommend.forecast;
    fo.quantile = rec.policy.quantile;
    SeasonalForecaster model(series, values, c0, period, horizons, fo);
    std::vector<double> ups(max_h + 1);
    for (std::size_t c = c0; c < c1; ++c) {
      for (std::size_t h = 1; h <= max_h; ++h)
        ups[h] = o.perfect_foresight ? values[std::min(c + h, n - 1)]
                 : h <= fitted_h     ? model.upper(c, h)
                                     : model.median(c, h) * model.error_quantile(fitted_h);
      controller.asks(values[c], ups, asks);
      for (std::size_t j = 0; j < asks.size(); ++j) {
        const std::size_t i = (c - e0) * ticks_per_step + j;
        need[i] = replicas_for(asks[j].must, rec.policy);
        served[i] = asks[j].must;
        hold[i] = replicas_for(asks[j].held, rec.policy);
      }
      if (c >= c0 + score_h && c >= period_steps)  // forecasts made this day, score_h steps ahead
        scorer.add(values[c], model.upper(c - score_h, score_h), model.median(c - score_h, score_h), values[c - period_steps]);
    }
    c0 = c1;
  }
  sim.min_replicas = base.min_replicas;
  sim.max_replicas = max_seen;
  r.simulation = sim;
  scorer.write(r.score, static_cast<double>(score_h * static_cast<std::size_t>(step)));

  PolicyOptions initial_policy = base;
  initial_policy.max_replicas = baseline.front().max_replicas;
  const int initial = replicas_for(values[e0], initial_policy);
  PolicyOutcome reactive = outcome("reactive_hpa", fmt::format("reactive HPA, target {:.0f}%", o.recommend.reactive_target * 100),
                                   r.demand, simulate_manifest(r.demand, baseline, {}, {}, initial, sim, o.damping), sim);
  reactive.target_utilization = o.recommend.reactive_target;
  for (std::size_t f = 0; f < o.formats.size(); ++f) {
    FormatReplay fr;
    fr.format = o.formats[f];
    fr.name = format_name(fr.format);
    fr.outcome = outcome(fr.name, fmt::format("the {} manifest, re-recommended each day (walk-forward)", fr.name), r.demand,
                         simulate_manifest(r.demand, plans[f], need, hold, initial, sim, o.damping, served), sim);
    // A manifest that is one plain reactive HPA all along (observer every day, or the hpa format
    // with one target) is compared with that very HPA when it spends the same.
    double known = plans[f].front().reactive_target;
    for (const auto& p : plans[f])
      if (p.forecast || p.served || p.reactive_target != known || *std::max_element(p.floor.begin(), p.floor.end()) > p.min_replicas) known = 0;
    fr.equal_cost = equal_cost(r.demand, baseline, fr.outcome.metrics.pod_hours, initial, sim, o.damping, known, reactive);
    w.formats.push_back(std::move(fr));
  }
  PolicyOutcome recommended = w.formats.front().outcome;
  recommended.name = "recommended";
  PolicyOutcome fixed;
  fixed.name = "static_max";
  const double peak = *std::max_element(r.demand.begin(), r.demand.end());
  PolicyOptions peak_policy = base;
  peak_policy.max_replicas = max_seen;
  const int peak_replicas = replicas_for(peak, peak_policy);
  fixed = outcome("static_max", fmt::format("static {} replicas (the replayed peak)", peak_replicas), r.demand,
                  simulate_static(r.demand.size(), peak_replicas), sim);
  r.policies.push_back(std::move(reactive));
  r.policies.push_back(std::move(recommended));
  r.policies.push_back(std::move(fixed));
  r.policies.push_back(w.formats.front().equal_cost);
  return w;
}

}  // namespace coldstart::predict
