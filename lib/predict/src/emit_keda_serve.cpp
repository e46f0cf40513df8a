// keda-serve: KEDA scales the target on the number `coldstart ahpa serve` computes (the forecast
// controller itself), read over HTTP by a metrics-api trigger. The service runs as a Deployment
// of the release image with the completed policy as flags, so it forecasts what was recommended.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "coldstart/core/units.hpp"
#include "coldstart/predict/emit.hpp"

namespace coldstart::predict {
namespace {

// A duration flag in the largest whole unit: 1209600 -> "14d", 180 -> "3m", 184 -> "184s".
std::string seconds_flag(double seconds) {
  const auto s = static_cast<long long>(std::llround(std::ceil(seconds)));
  for (auto [unit, name] : {std::pair{86400LL, "d"}, {3600LL, "h"}, {60LL, "m"}})
    if (s > 0 && s % unit == 0) return fmt::format("{}{}", s / unit, name);
  return fmt::format("{}s", s);
}

std::vector<std::string> serve_command(const Recommendation& rec, const EmitOptions& o, const std::string& url,
                                       const std::string& query) {
  const PolicyOptions& p = rec.policy;
  return {"coldstart", "ahpa", "serve",
          "--prometheus", url,
          "--query", query,
          "--range", seconds_flag(o.range_seconds),
          "--step", seconds_flag(static_cast<double>(rec.step)),
          "--capacity-per-pod", fmt::format("{:g}", p.capacity_per_pod),
          "--min", std::to_string(p.min_replicas),
          "--max", std::to_string(p.max_replicas),
          "--ready-time", seconds_flag(p.ready_time_seconds),
          "--quantile", fmt::format("{:g}", p.quantile * 100),
          "--target", p.target_kind + "/" + p.target_name,
          "--metric", p.metric,
          "--refit", o.refit,
          "--listen", fmt::format("0.0.0.0:{}", o.port)};
}

}  // namespace

nlohmann::ordered_json emit_keda_serve(const Recommendation& rec, const EmitOptions& options) {
  using namespace emit_detail;
  const PolicyOptions& p = rec.policy;
  const std::string name = options.name.empty() ? p.target_name : options.name;
  const std::string service = name.substr(0, 63 - 11) + "-ahpa-serve";
  // KEDA's operator resolves the URL from its own namespace: name the Service's namespace.
  const std::string ns = options.namespace_name.empty() ? "default" : options.namespace_name;
  const std::string url = options.prometheus_url.empty() ? "http://prometheus.monitoring.svc:9090" : options.prometheus_url;
  const std::string query = options.query.empty() ? fmt::format("sum({})", p.metric) : options.query;

  nlohmann::ordered_json labels = {{"app.kubernetes.io/name", "coldstart-ahpa-serve"}, {"app.kubernetes.io/instance", service}};
  auto meta = [&](const std::string& n) {
    nlohmann::ordered_json m = {{"name", n}};
    if (!options.namespace_name.empty()) m["namespace"] = options.namespace_name;
    m["labels"] = labels;
    return m;
  };

  // Fallback while /forecast answers 503 (nothing justified): the forecast's peak replicas over
  // the next day, else the maximum.
  int fallback = p.max_replicas;
  if (!rec.forecast.empty()) {
    fallback = p.min_replicas;
    for (const auto& f : rec.forecast) fallback = std::max(fallback, f.replicas);
  }
  nlohmann::ordered_json trigger = {
      {"type", "metrics-api"},
      {"metricType", "AverageValue"},
      {"metadata", {{"url", fmt::format("http://{}.{}.svc:{}/forecast", service, ns, options.port)},
                    {"format", "json"},
                    {"valueLocation", "value"},
                    {"targetValue", fmt::format("{:g}", p.capacity_per_pod)}}}};
  nlohmann::ordered_json so_spec;
  so_spec["scaleTargetRef"] = scale_target_ref(p);
  so_spec["pollingInterval"] = 15;
  so_spec["cooldownPeriod"] = 300;
  so_spec["minReplicaCount"] = p.min_replicas;
  so_spec["maxReplicaCount"] = p.max_replicas;
  so_spec["fallback"] = {{"failureThreshold", 3}, {"replicas", fallback}};
  so_spec["advanced"] = {{"horizontalPodAutoscalerConfig", {{"behavior", rec.strategy == "auto" ? served_behavior() : behavior()}}}};
  so_spec["triggers"] = nlohmann::ordered_json::array({trigger});
  nlohmann::ordered_json scaled = {{"apiVersion", "keda.sh/v1alpha1"},
                                   {"kind", "ScaledObject"},
                                   {"metadata", metadata(rec, options)},
                                   {"spec", so_spec}};

  nlohmann::ordered_json probe = {{"httpGet", {{"path", "/healthz"}, {"port", "http"}}}, {"periodSeconds", 10}};
  nlohmann::ordered_json container = {
      {"name", "ahpa-serve"},
      {"image", options.image},
      {"command", serve_command(rec, options, url, query)},
      {"ports", nlohmann::ordered_json::array({{{"name", "http"}, {"containerPort", options.port}, {"protocol", "TCP"}}})},
      {"readinessProbe", probe},
      {"livenessProbe", probe},
      {"resources", {{"requests", {{"cpu", "50m"}, {"memory", "64Mi"}}}, {"limits", {{"memory", "256Mi"}}}}},
      {"securityContext", {{"allowPrivilegeEscalation", false}, {"readOnlyRootFilesystem", true}, {"runAsNonRoot", true},
                           {"runAsUser", 65532}, {"capabilities", {{"drop", nlohmann::ordered_json::array({"ALL"})}}}}}};
  nlohmann::ordered_json pod_spec = {{"terminationGracePeriodSeconds", 10},
                                     {"containers", nlohmann::ordered_json::array({container})}};
  nlohmann::ordered_json deployment = {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", meta(service)},
      {"spec", {{"replicas", 1},
                {"selector", {{"matchLabels", labels}}},
                {"template", {{"metadata", {{"labels", labels}}}, {"spec", pod_spec}}}}}};
  nlohmann::ordered_json svc_meta = meta(service);
  svc_meta["annotations"] = {{"prometheus.io/scrape", "true"}, {"prometheus.io/port", std::to_string(options.port)},
                             {"prometheus.io/path", "/metrics"}};
  nlohmann::ordered_json svc = {
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata", svc_meta},
      {"spec", {{"selector", labels},
                {"ports", nlohmann::ordered_json::array({{{"name", "http"}, {"port", options.port}, {"targetPort", "http"}, {"protocol", "TCP"}}})}}}};
  return nlohmann::ordered_json::array({scaled, deployment, svc});
}

}  // namespace coldstart::predict
