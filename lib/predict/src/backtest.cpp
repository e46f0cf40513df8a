#include "coldstart/predict/backtest.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "coldstart/core/error.hpp"
#include "coldstart/predict/replay.hpp"
#include "equal_cost_search.hpp"
#include "forecast_asks.hpp"

namespace coldstart::predict {
namespace {

constexpr std::int64_t kDay = 86400;

// The reactive HPA spending `budget` pod-hours (see search_equal_cost).
PolicyOutcome equal_cost_hpa(const std::vector<double>& demand, double budget, const SimulationConfig& sim, double known,
                             const PolicyOutcome& hint) {
  auto run = [&](double target) {
    PolicyOutcome o;
    o.target_utilization = target;
    o.timeline = simulate_reactive_hpa(demand, target, sim);
    o.metrics = measure(demand, o.timeline, sim);
    return o;
  };
  PolicyOutcome best = detail::search_equal_cost(run, budget, known, hint.target_utilization, hint.metrics.pod_hours);
  best.name = "equal_cost_hpa";
  best.description = fmt::format("reactive HPA, target {:.0f}% tuned to the recommendation's pod-hours", best.target_utilization * 100);
  return best;
}

}  // namespace

Damping default_damping() { return Damping{}; }

const PolicyOutcome& BacktestResult::policy(const std::string& name) const {
  for (const auto& p : policies)
    if (p.name == name) return p;
  throw Error("internal: no backtest policy named " + name);
}

double BacktestResult::under_provisioning_reduction() const {
  double base = policy("reactive_hpa").metrics.under_provisioned_pod_minutes;
  return base > 0 ? 1 - policy("recommended").metrics.under_provisioned_pod_minutes / base : 0;
}

double BacktestResult::pod_hours_change() const {
  double base = policy("reactive_hpa").metrics.pod_hours;
  return base > 0 ? policy("recommended").metrics.pod_hours / base - 1 : 0;
}

BacktestResult run_backtest(const Series& series, const BacktestOptions& options) {
  const PolicyOptions& policy = options.policy;
  const std::int64_t step = series.step;
  const std::vector<double> values = interpolate_missing(series.values);
  const std::size_t n = values.size();
  if (n == 0 || std::isnan(values[0])) throw Error(fmt::format("{}: no values to backtest", series.name));

  BacktestResult r;
  r.tick = step % 15 == 0 ? 15 : step;
  const std::size_t ticks_per_step = static_cast<std::size_t>(step / r.tick);
  SimulationConfig sim;
  sim.tick = r.tick;
  sim.ready_time = policy.ready_time_seconds;
  sim.capacity_per_pod = policy.capacity_per_pod;
  sim.min_replicas = policy.min_replicas;
  sim.max_replicas = policy.max_replicas;
  r.simulation = sim;

  // Warm-up: enough history for two cycles and a week of errors, but never more than half; the
  // replay starts at the next UTC midnight so each replayed day is fitted once.
  const double period = options.period_seconds;
  double warmup = std::max(options.min_warmup_seconds, 2 * period + (period > 0 ? kDay : 0));
  warmup = std::min(warmup, series.duration_seconds() / 2);
  if (options.max_replay_seconds > 0) warmup = std::max(warmup, series.duration_seconds() - options.max_replay_seconds);
  std::int64_t first_day = (series.start + static_cast<std::int64_t>(warmup) + kDay - 1) / kDay * kDay;
  std::size_t e0 = static_cast<std::size_t>(std::max<std::int64_t>(0, (first_day - series.start + step - 1) / step));
  const std::size_t period_steps = period > 0 ? static_cast<std::size_t>(std::llround(period / step)) : 0;
  if (e0 >= n || (period_steps > 0 && e0 < 2 * period_steps))
    throw Error(fmt::format("{}: {:.1f} days of history is too short to backtest", series.name, series.duration_seconds() / kDay),
                period > 0 ? fmt::format("need two {:.0f} h cycles before the replayed days", period / 3600)
                           : std::string("need at least 2 days"));
  r.start = series.time_at(e0);
  r.end = series.end();

  r.demand.reserve((n - e0) * ticks_per_step);
  for (std::size_t c = e0; c < n; ++c) r.demand.insert(r.demand.end(), ticks_per_step, values[c]);
  const int initial = replicas_for(values[e0], policy);

  PolicyOutcome reactive;
  reactive.name = "reactive_hpa";
  reactive.target_utilization = options.reactive_target;
  reactive.description = fmt::format("reactive HPA, target {:.0f}%", options.reactive_target * 100);
  reactive.timeline = simulate_reactive_hpa(r.demand, options.reactive_target, sim);
  reactive.metrics = measure(r.demand, reactive.timeline, sim);

  PolicyOutcome recommended;
  recommended.name = "recommended";
  if (period_steps == 0) {
    recommended.target_utilization = options.headroom_target;
    recommended.description = fmt::format("reactive headroom: HPA target {:.0f}%", options.headroom_target * 100);
    recommended.timeline = simulate_reactive_hpa(r.demand, options.headroom_target, sim);
  } else {
    const detail::ForecastAsks controller(step, r.tick, policy.ready_time_seconds, options.damping.hold_seconds);
    const std::size_t max_h = controller.max_horizon(), fitted_h = controller.fitted_horizon(), score_h = controller.score_horizon();
    const std::vector<std::size_t> horizons = controller.fitted_horizons();
    std::vector<int> need, hold;
    need.reserve(r.demand.size());
    hold.reserve(r.demand.size());
    const double q = options.forecast.quantile;
    detail::ForecastScorer scorer(q);
    std::unique_ptr<SeasonalForecaster> model;
    std::int64_t model_day = -1;
    std::vector<double> ups(max_h + 1);
    std::vector<detail::ForecastAsks::Ask> asks;
    for (std::size_t c = e0; c < n; ++c) {
      std::int64_t day = series.time_at(c) / kDay;  // refit at each UTC day on data before it
      if (day != model_day) {
        model = std::make_unique<SeasonalForecaster>(series, values, c, static_cast<std::int64_t>(period), horizons, options.forecast);
        model_day = day;
      }
      for (std::size_t h = 1; h <= max_h; ++h)
        ups[h] = c + h >= n ? values[c] : h <= fitted_h ? model->upper(c, h) : model->median(c, h) * model->error_quantile(fitted_h);
      controller.asks(values[c], ups, asks);
      for (const auto& a : asks) {
        need.push_back(replicas_for(a.must, policy));
        hold.push_back(replicas_for(a.held, policy));
      }
      // Score the forecast made score_h steps earlier for this sample.
      if (c >= score_h && c >= period_steps)
        scorer.add(values[c], model->upper(c - score_h, score_h), model->median(c - score_h, score_h), values[c - period_steps]);
    }
    recommended.description = fmt::format("forecast p{:.0f}, {:.0f} s ahead", q * 100, policy.ready_time_seconds);
    DayPlan whole;  // one plan for the whole replay: the forecast controller within the bounds
    whole.forecast = true;
    whole.min_replicas = sim.min_replicas;
    whole.max_replicas = sim.max_replicas;
    recommended.timeline = simulate_manifest(r.demand, {whole}, need, hold, initial, sim, options.damping);
    scorer.write(r.score, static_cast<double>(score_h * static_cast<std::size_t>(step)));
  }
  recommended.metrics = measure(r.demand, recommended.timeline, sim);

  PolicyOutcome fixed;
  fixed.name = "static_max";
  double peak = *std::max_element(r.demand.begin(), r.demand.end());
  int peak_replicas = replicas_for(peak, policy);
  fixed.description = fmt::format("static {} replicas (the replayed peak)", peak_replicas);
  fixed.timeline = simulate_static(r.demand.size(), peak_replicas);
  fixed.metrics = measure(r.demand, fixed.timeline, sim);

  PolicyOutcome equal = equal_cost_hpa(r.demand, recommended.metrics.pod_hours, sim, recommended.target_utilization, reactive);

  r.policies.push_back(std::move(reactive));
  r.policies.push_back(std::move(recommended));
  r.policies.push_back(std::move(fixed));
  r.policies.push_back(std::move(equal));
  return r;
}

}  // namespace coldstart::predict
