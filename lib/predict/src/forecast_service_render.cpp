// What `ahpa serve` exposes: Prometheus text on /metrics and the JSON KEDA's metrics-api reads.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "coldstart/predict/forecast_service.hpp"
#include "coldstart/predict/timestamp.hpp"

namespace coldstart::predict {
namespace {

void family(std::string& out, std::string_view name, std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name, help, name);
}

void sample(std::string& out, std::string_view name, double value, std::string_view labels = {}) {
  out += fmt::format("{}{}{}{} {}\n", name, labels.empty() ? "" : "{", labels, labels.empty() ? "" : "}", value);
}

}  // namespace

std::string service_metrics_text(const ServeState& s) {
  std::string out;
  const double ready = s.policy.ready_time_seconds;
  if (s.has_forecast) {
    family(out, "coldstart_ahpa_predicted_demand", "Forecast demand at now + ready time: the median and the upper band at the quantile.");
    sample(out, "coldstart_ahpa_predicted_demand", s.median, "quantile=\"0.5\"");
    sample(out, "coldstart_ahpa_predicted_demand", s.upper, fmt::format("quantile=\"{}\"", s.policy.quantile));
  }
  if (s.has_value) {
    family(out, "coldstart_ahpa_desired_demand", "Demand to have ready capacity for now (the value the KEDA metrics-api trigger reads).");
    sample(out, "coldstart_ahpa_desired_demand", s.value);
    if (s.replicas > 0) {
      family(out, "coldstart_ahpa_recommended_replicas", "Replicas to ask for now so they are ready for the forecast demand.");
      sample(out, "coldstart_ahpa_recommended_replicas", s.replicas);
    }
  }
  if (s.has_sample) {
    family(out, "coldstart_ahpa_current_demand", "The latest observed sample of the query.");
    sample(out, "coldstart_ahpa_current_demand", s.current);
    family(out, "coldstart_ahpa_last_sample_timestamp_seconds", "Unix time of the latest observed sample.");
    sample(out, "coldstart_ahpa_last_sample_timestamp_seconds", static_cast<double>(s.sample_time));
  }
  family(out, "coldstart_ahpa_mode", "1 for the mode being served: forecast, last_good_model, reactive or unavailable.");
  for (auto m : {ServeMode::forecast, ServeMode::last_good_model, ServeMode::reactive, ServeMode::unavailable})
    sample(out, "coldstart_ahpa_mode", m == s.mode ? 1 : 0, fmt::format("mode=\"{}\"", mode_name(m)));
  family(out, "coldstart_ahpa_period_seconds", "The detected period the model forecasts with (0: none).");
  sample(out, "coldstart_ahpa_period_seconds", s.period_seconds);
  family(out, "coldstart_ahpa_ready_time_seconds", "Pod ready time: how far ahead the forecast looks.");
  sample(out, "coldstart_ahpa_ready_time_seconds", ready);
  family(out, "coldstart_ahpa_last_refit_timestamp_seconds", "Unix time of the last successful refit (0: never).");
  sample(out, "coldstart_ahpa_last_refit_timestamp_seconds", static_cast<double>(s.last_refit));
  family(out, "coldstart_ahpa_last_refit_success", "1 when the latest refit succeeded.");
  sample(out, "coldstart_ahpa_last_refit_success", s.last_refit_ok ? 1 : 0);
  out += "# HELP coldstart_ahpa_refits_total Successful refits.\n# TYPE coldstart_ahpa_refits_total counter\n";
  sample(out, "coldstart_ahpa_refits_total", static_cast<double>(s.refits));
  out += "# HELP coldstart_ahpa_refit_failures_total Failed refits.\n# TYPE coldstart_ahpa_refit_failures_total counter\n";
  sample(out, "coldstart_ahpa_refit_failures_total", static_cast<double>(s.refit_failures));
  out += "# HELP coldstart_ahpa_fetch_failures_total Failed reads of the newest samples.\n# TYPE coldstart_ahpa_fetch_failures_total counter\n";
  sample(out, "coldstart_ahpa_fetch_failures_total", static_cast<double>(s.fetch_failures));
  return out;
}

std::string service_forecast_json(const ServeState& s) {
  nlohmann::ordered_json j;
  j["value"] = s.has_value ? nlohmann::ordered_json(s.value) : nlohmann::ordered_json();
  j["replicas"] = s.has_value ? nlohmann::ordered_json(s.replicas) : nlohmann::ordered_json();
  j["mode"] = mode_name(s.mode);
  j["reason"] = s.reason;
  j["evaluated_at"] = format_utc_time(s.evaluated_at);
  j["ready_time_seconds"] = s.policy.ready_time_seconds;
  j["capacity_per_pod"] = s.policy.capacity_per_pod;
  if (s.has_sample) j["current"] = {{"value", s.current}, {"time", format_utc_time(s.sample_time)}};
  if (s.has_forecast) j["forecast"] = {{"median", s.median}, {"upper", s.upper}, {"quantile", s.policy.quantile}};
  j["period_seconds"] = s.period_seconds;
  j["last_refit"] = s.last_refit ? nlohmann::ordered_json(format_utc_time(s.last_refit)) : nlohmann::ordered_json();
  return j.dump() + "\n";
}

}  // namespace coldstart::predict
