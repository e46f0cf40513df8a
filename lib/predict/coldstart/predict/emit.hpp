// Manifests from a Recommendation: Alibaba AHPA (default), a Kubernetes autoscaling/v2 HPA,
// a Crane EffectiveHorizontalPodAutoscaler, a KEDA ScaledObject with cron triggers, or
// keda-serve: a KEDA ScaledObject whose metrics-api trigger reads `coldstart ahpa serve`, with the
// Deployment and Service that run it (a JSON array of three documents).
// Every document passes tests/tools/k8s-validate.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "coldstart/predict/recommend.hpp"

namespace coldstart::predict {

enum class ManifestFormat { ahpa, hpa, crane, keda, keda_serve };

// "ahpa" | "hpa" | "crane" | "keda" | "keda-serve"; throws UsageError otherwise.
ManifestFormat parse_manifest_format(std::string_view name);

struct EmitOptions {
  std::string name;                  // metadata.name (default: the target's name)
  std::string namespace_name;        // metadata.namespace (omitted when empty)
  std::string prometheus_url;        // KEDA prometheus trigger serverAddress (non-CPU metrics)
  std::string query;                 // KEDA prometheus trigger query (default: the metric name)
  std::int64_t start = 0;            // AHPA instanceBounds start, unix seconds (0: the history's end)
  std::int64_t valid_seconds = 30 * 86400;  // AHPA instanceBounds end = start + this
  // keda-serve: the Deployment running `coldstart ahpa serve` (see forecast_service.hpp).
  std::string image = "ghcr.io/coldstart/coldstart:latest";  // the release image
  double range_seconds = 14 * 86400;  // its --range: the history each refit reads
  std::string refit = "1h";           // its --refit
  int port = 8080;                    // its --listen port and the Service's
};

nlohmann::ordered_json emit_ahpa(const Recommendation& rec, const EmitOptions& options);
nlohmann::ordered_json emit_hpa(const Recommendation& rec, const EmitOptions& options);
nlohmann::ordered_json emit_crane(const Recommendation& rec, const EmitOptions& options);
nlohmann::ordered_json emit_keda(const Recommendation& rec, const EmitOptions& options);
// [ScaledObject, Deployment, Service]; the trigger reads /forecast at valueLocation "value".
nlohmann::ordered_json emit_keda_serve(const Recommendation& rec, const EmitOptions& options);
nlohmann::ordered_json emit_manifest(const Recommendation& rec, ManifestFormat format, const EmitOptions& options);

// The HPA behaviour keda-serve's ScaledObject sets, and what `backtest` replays for it. The served
// number is already the forecast's upper band, so any excess scales up (a scale-up tolerance of 0,
// the autoscaling/v2 `tolerance` field: beta and on by default since Kubernetes 1.34; an older
// cluster drops it and keeps its 10 %). Scale-down waits for the highest served value over the
// forecast controller's hold: that window is its damping against flapping. For a recommendation
// without a forecast (observer) the ScaledObject keeps the HPA defaults: serve then answers the
// current value with the advised headroom, which is that reactive HPA.
struct ServedScaling {
  double scale_up_tolerance = 0;
  double scale_down_window_seconds = 0;
};
ServedScaling keda_serve_scaling();

// Pieces shared by the emitters.
namespace emit_detail {
nlohmann::ordered_json metadata(const Recommendation& rec, const EmitOptions& options);
nlohmann::ordered_json scale_target_ref(const PolicyOptions& policy);
// The HPA-style metric list; `per_pod` is the demand per pod the target asks for.
nlohmann::ordered_json metrics(const PolicyOptions& policy, double per_pod);
// autoscaling/v2 behavior: immediate scale-up, 300 s scale-down stabilisation.
nlohmann::ordered_json behavior();
// The same with keda_serve_scaling()'s scale-up tolerance and scale-down window.
nlohmann::ordered_json served_behavior();
// Kubernetes quantity text: "2512" or "2512500m".
std::string quantity(double value);
// Weekday list in cron form: empty -> "*", {1,2,3,4,5} -> "MON-FRI" style names joined by ",".
std::string cron_weekdays(const std::vector<int>& weekdays, bool names);
}  // namespace emit_detail

}  // namespace coldstart::predict
