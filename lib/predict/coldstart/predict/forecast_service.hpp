// The forecast service behind `coldstart ahpa serve`: the recommended forecast controller run
// live against Prometheus. It refits on a schedule, re-evaluates every step, and degrades in a
// fixed order when its inputs fail: live forecast -> last good model -> reactive (the current
// value) -> nothing (it never serves a number it cannot justify).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "coldstart/predict/policy.hpp"
#include "coldstart/predict/recommend.hpp"
#include "coldstart/predict/series_io.hpp"

namespace coldstart::predict {

struct ServeOptions {
  MetricsInput input;                  // live Prometheus (url, query, auth); range = fit history
  RecommendOptions recommend;          // the same policy flags as `ahpa recommend`
  double refit_seconds = 3600;         // refit the model this often
  double retry_seconds = 300;          // after a failed refit, try again this soon (at most refit_seconds)
  double stale_seconds = 0;            // no sample for this long = stale (0: 3 steps, at least 300 s)
  double max_model_age_seconds = 7 * 86400;  // a last good model older than this is dropped
  double fetch_timeout_seconds = 5;    // per read of the newest samples, retries included: a tick
                                       // (and a shutdown waiting for it) never hangs on Prometheus
};

enum class ServeMode {
  forecast,         // fresh samples, current model: the forecast controller
  last_good_model,  // the latest refit failed (live level, old model), or samples are stale
                    // (the last fit's day-ahead schedule)
  reactive,         // fresh samples, no usable model: the current value
  unavailable,      // nothing justified: no value is served
};
std::string_view mode_name(ServeMode mode);

struct ServeState {
  ServeMode mode = ServeMode::unavailable;
  std::string reason;                  // one sentence: why this mode
  std::int64_t evaluated_at = 0;       // unix seconds
  bool has_value = false;              // false: serve no number
  double value = 0;                    // demand to have ready capacity for now (what KEDA reads)
  int replicas = 0;                    // replicas for `value` (0 when the capacity is unknown)
  bool has_sample = false;
  double current = 0;                  // the latest observed sample
  std::int64_t sample_time = 0;
  bool has_forecast = false;
  double median = 0, upper = 0;        // forecast demand at now + ready time (upper at the quantile)
  std::int64_t step = 0;               // seconds between samples
  double period_seconds = 0;           // the model's period (0 = none)
  std::string strategy;                // the model's: auto | observer ("" before the first fit)
  PolicyOptions policy;                // completed by the last fit (capacity, max)
  std::int64_t last_refit = 0;         // unix seconds of the last successful refit (0 = never)
  std::int64_t last_refit_attempt = 0;
  bool last_refit_ok = false;
  std::string last_error;              // of the latest failed refit or fetch
  std::uint64_t refits = 0, refit_failures = 0, fetch_failures = 0;
};

class ForecastService {
 public:
  explicit ForecastService(ServeOptions options);
  ~ForecastService();
  ForecastService(const ForecastService&) = delete;
  ForecastService& operator=(const ForecastService&) = delete;

  // Refits when due, fetches the newest samples, re-evaluates at `now` (unix seconds).
  // Prometheus failures become the state's mode and reason: it does not throw for them.
  const ServeState& tick(std::int64_t now);
  const ServeState& state() const { return state_; }
  std::int64_t step_seconds() const;   // the sample step (known after the first fit; else the flag or 60)

 private:
  struct Model;
  void refit(std::int64_t now);
  void fetch_recent(std::int64_t now);
  void evaluate(std::int64_t now);

  ServeOptions options_;
  std::unique_ptr<Model> model_;
  ServeState state_;
  // Samples seen without a model (reactive before the first fit succeeds).
  bool fetch_ok_ = false;
};

// What serve answers without a forecast but with a model: the current value over the model's
// reactive HPA target (its headroom), so KEDA, targeting the full capacity per pod, provisions as
// the advised HPA would. A target outside (0, 1] leaves the value as it is.
double reactive_served_value(double current, double hpa_target_utilization);

// /metrics: the Prometheus text exposition (version 0.0.4) of a state.
std::string service_metrics_text(const ServeState& state);
// The JSON endpoint KEDA's metrics-api scaler reads: valueLocation "value" (demand) or
// "replicas". Absent when !has_value (the endpoint then answers 503).
std::string service_forecast_json(const ServeState& state);

}  // namespace coldstart::predict
