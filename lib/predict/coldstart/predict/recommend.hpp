// The recommendation: detect the period, decide whether a forecast beats reactive scaling on this
// history (a backtest against the equal-cost HPA), and if so derive the 24 h forecast and the
// per-hour (and per-weekday) replica bounds the emitters turn into manifests.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "coldstart/predict/backtest.hpp"
#include "coldstart/predict/forecast.hpp"
#include "coldstart/predict/period.hpp"
#include "coldstart/predict/policy.hpp"
#include "coldstart/predict/series.hpp"

namespace coldstart::predict {

struct RecommendOptions {
  PolicyOptions policy;              // capacity / max may be 0: derived from the history
  ForecastOptions forecast;          // forecast.quantile is set from policy.quantile
  PeriodOptions period;
  double reactive_target = 1.0;      // the reactive HPA the forecast must beat
  double headroom_target = 0.8;      // reactive headroom recommended when nothing is predictable
  double decision_replay_days = 14;  // recommend replays at most this many recent days to decide
  double min_gain = 0.2;             // forecast must cut under-provisioning ≥ 20 % below equal cost
  bool replay_all = false;           // backtest: replay the whole history, keep the replay
};

// A scheduled floor for one run of hours: cron "* first-last ? * DAYS".
struct HourlyBound {
  std::vector<int> weekdays;         // 0 = Sunday .. 6 = Saturday; empty = every day
  int first_hour = 0, last_hour = 23;
  int min_replicas = 1, max_replicas = 1;
};

struct ForecastPoint {
  std::int64_t time = 0;             // unix seconds
  double median = 0, upper = 0;      // demand forecasts (upper at the quantile)
  int replicas = 0;                  // replicas to have asked for at `time` (covers time + ready)
};

struct Recommendation {
  std::string series_name;
  std::int64_t step = 0;
  std::int64_t history_end = 0;      // unix seconds: the forecast starts here
  double history_seconds = 0;
  PeriodResult periods;
  std::string strategy;              // "auto" (forecast + reactive) | "observer" (reactive headroom)
  std::string reason;                // one sentence: why this strategy
  double period_seconds = 0;         // period the forecast uses (0 = none)
  PolicyOptions policy;              // completed: capacity and max filled
  double hpa_target_utilization = 0; // reactive target for HPA/KEDA (equal-cost or headroom)
  std::vector<ForecastPoint> forecast;  // next 24 h at the data step (auto only)
  std::vector<HourlyBound> bounds;   // per hour of day / weekday (auto only)
  BacktestResult backtest;           // the replay the decision was made on
  bool backtested = false;
};

// Throws Error for an empty series and UsageError for contradictory policy flags.
Recommendation recommend(const Series& series, const RecommendOptions& options);

}  // namespace coldstart::predict
