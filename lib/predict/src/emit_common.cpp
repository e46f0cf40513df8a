#include <fmt/format.h>

#include <cmath>

#include "coldstart/core/error.hpp"
#include "coldstart/predict/backtest.hpp"
#include "coldstart/predict/emit.hpp"

namespace coldstart::predict {

ManifestFormat parse_manifest_format(std::string_view name) {
  if (name == "ahpa") return ManifestFormat::ahpa;
  if (name == "hpa") return ManifestFormat::hpa;
  if (name == "crane") return ManifestFormat::crane;
  if (name == "keda") return ManifestFormat::keda;
  if (name == "keda-serve") return ManifestFormat::keda_serve;
  throw UsageError(fmt::format("unknown --format '{}'", name), "use ahpa, hpa, crane, keda or keda-serve");
}

nlohmann::ordered_json emit_manifest(const Recommendation& rec, ManifestFormat format, const EmitOptions& options) {
  switch (format) {
    case ManifestFormat::ahpa: return emit_ahpa(rec, options);
    case ManifestFormat::hpa: return emit_hpa(rec, options);
    case ManifestFormat::crane: return emit_crane(rec, options);
    case ManifestFormat::keda: return emit_keda(rec, options);
    case ManifestFormat::keda_serve: return emit_keda_serve(rec, options);
  }
  return emit_ahpa(rec, options);
}

ServedScaling keda_serve_scaling() { return {0, default_damping().hold_seconds}; }

namespace emit_detail {
namespace {
// A tolerance as a Kubernetes quantity ("0", "50m" for 5 %).
std::string quantity_or_zero(double value) { return value > 0 ? quantity(value) : "0"; }
}  // namespace

nlohmann::ordered_json metadata(const Recommendation& rec, const EmitOptions& options) {
  nlohmann::ordered_json m;
  m["name"] = options.name.empty() ? rec.policy.target_name : options.name;
  if (!options.namespace_name.empty()) m["namespace"] = options.namespace_name;
  nlohmann::ordered_json a;
  a["coldstart.dev/strategy"] = rec.strategy;
  a["coldstart.dev/reason"] = rec.reason;
  std::string periods;
  for (const auto& p : rec.periods.periods)
    periods += fmt::format("{}{} {:.0f}s confidence {:.2f}", periods.empty() ? "" : ", ", p.label, p.seconds, p.confidence);
  a["coldstart.dev/periods"] = periods.empty() ? "none" : periods;
  a["coldstart.dev/capacity-per-pod"] = fmt::format("{:g}", rec.policy.capacity_per_pod);
  m["annotations"] = a;
  return m;
}

nlohmann::ordered_json scale_target_ref(const PolicyOptions& policy) {
  std::string api = policy.target_kind == "CloneSet" ? "apps.kruise.io/v1alpha1" : "apps/v1";
  return {{"apiVersion", api}, {"kind", policy.target_kind}, {"name", policy.target_name}};
}

std::string quantity(double value) {
  if (!(value > 0)) return "1m";
  double rounded = std::round(value);
  if (std::abs(value - rounded) < 1e-9 && rounded < 1e15) return fmt::format("{:.0f}", rounded);
  return fmt::format("{:.0f}m", std::max(1.0, std::round(value * 1000)));
}

bool is_resource(const std::string& metric) { return metric == "cpu" || metric == "memory"; }

nlohmann::ordered_json metrics(const PolicyOptions& policy, double per_pod) {
  nlohmann::ordered_json m;
  if (is_resource(policy.metric)) {
    int utilization = std::max(1, static_cast<int>(std::lround(per_pod)));
    m = {{"type", "Resource"},
         {"resource", {{"name", policy.metric}, {"target", {{"type", "Utilization"}, {"averageUtilization", utilization}}}}}};
  } else {
    m = {{"type", "Pods"},
         {"pods", {{"metric", {{"name", policy.metric}}}, {"target", {{"type", "AverageValue"}, {"averageValue", quantity(per_pod)}}}}}};
  }
  return nlohmann::ordered_json::array({m});
}

// The Kubernetes HPA defaults, spelled out: they are what `backtest` replays for the reactive part.
nlohmann::ordered_json behavior() {
  return {{"scaleUp", {{"stabilizationWindowSeconds", 0},
                       {"selectPolicy", "Max"},
                       {"policies", {{{"type", "Percent"}, {"value", 100}, {"periodSeconds", 15}},
                                     {{"type", "Pods"}, {"value", 4}, {"periodSeconds", 15}}}}}},
          {"scaleDown", {{"stabilizationWindowSeconds", 300},
                         {"selectPolicy", "Max"},
                         {"policies", {{{"type", "Percent"}, {"value", 100}, {"periodSeconds", 15}}}}}}};
}

nlohmann::ordered_json served_behavior() {
  const ServedScaling s = keda_serve_scaling();
  nlohmann::ordered_json b = behavior();
  b["scaleUp"]["tolerance"] = quantity_or_zero(s.scale_up_tolerance);
  b["scaleDown"]["stabilizationWindowSeconds"] = static_cast<long>(std::lround(s.scale_down_window_seconds));
  return b;
}

std::string cron_weekdays(const std::vector<int>& weekdays, bool names) {
  static const char* kNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};
  if (weekdays.empty() || weekdays.size() == 7) return "*";
  std::string out;
  for (int d : weekdays) {
    if (!out.empty()) out += ",";
    out += names ? std::string(kNames[d]) : std::to_string(d);
  }
  return out;
}

}  // namespace emit_detail
}  // namespace coldstart::predict
