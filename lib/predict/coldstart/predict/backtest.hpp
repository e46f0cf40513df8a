// Backtest: replay the history with no look-ahead (each day's forecast is fitted only on data
// before that day) and compare the recommended policy against a reactive HPA, a static maximum,
// and a reactive HPA tuned to spend the same pod-hours (the equal-cost baseline).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "coldstart/predict/forecast.hpp"
#include "coldstart/predict/hpa_simulation.hpp"
#include "coldstart/predict/policy.hpp"
#include "coldstart/predict/series.hpp"

namespace coldstart::predict {

// The damping the recommendation uses and its manifests carry (see docs/ahpa.md, "No flapping").
Damping default_damping();

struct BacktestOptions {
  PolicyOptions policy;              // complete (capacity and max filled)
  ForecastOptions forecast;
  double period_seconds = 0;         // > 0: proactive (forecast) policy; 0: reactive headroom
  double reactive_target = 1.0;      // the reactive HPA being compared against (utilisation 100 %)
  double headroom_target = 0.8;      // reactive headroom recommended when nothing is predictable
  double min_warmup_seconds = 7 * 86400;  // history kept back for fitting before the replay starts
  double max_replay_seconds = 0;     // > 0: replay only this much of the most recent history
  Damping damping = default_damping(); // how the forecast controller limits churn
};

struct PolicyOutcome {
  std::string name;                  // reactive_hpa | recommended | static_max | equal_cost_hpa
  std::string description;
  double target_utilization = 0;     // reactive policies: the HPA target; 0 otherwise
  ProvisioningMetrics metrics;
  Timeline timeline;
};

struct ForecastScore {
  bool available = false;            // false for a reactive recommendation (nothing forecast)
  double horizon_seconds = 0;        // forecasts scored at this lead time (ready time, whole steps)
  double quantile = 0.95;
  double pinball_loss = 0;           // mean pinball loss of the upper forecast, in demand units
  double coverage = 0;               // share of actual values at or below the upper forecast
  double mase = 0;                   // MAE of the median forecast / MAE of seasonal naive
  std::size_t samples = 0;
};

struct BacktestResult {
  std::int64_t start = 0, end = 0;   // unix seconds of the replayed span
  std::int64_t tick = 15;            // simulation step (seconds)
  SimulationConfig simulation;
  std::vector<double> demand;        // per tick
  std::vector<PolicyOutcome> policies;  // reactive_hpa, recommended, static_max, equal_cost_hpa
  ForecastScore score;

  const PolicyOutcome& policy(const std::string& name) const;
  // 1 − recommended / reactive under-provisioned pod-minutes (0 when reactive had none).
  double under_provisioning_reduction() const;
  // recommended / reactive pod-hours − 1.
  double pod_hours_change() const;
};

// Throws Error when the history is too short to keep a warm-up and still replay a day.
BacktestResult run_backtest(const Series& series, const BacktestOptions& options);

}  // namespace coldstart::predict
