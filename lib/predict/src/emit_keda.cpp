#include <fmt/format.h>

#include <cmath>

#include "coldstart/predict/emit.hpp"

namespace coldstart::predict {

// Cron triggers hold the forecast's scheduled floors; a metric trigger scales reactively above them.
nlohmann::ordered_json emit_keda(const Recommendation& rec, const EmitOptions& options) {
  using namespace emit_detail;
  const PolicyOptions& p = rec.policy;
  const bool proactive = rec.strategy == "auto";
  nlohmann::ordered_json triggers = nlohmann::ordered_json::array();
  for (const auto& b : rec.bounds) {
    if (!proactive || b.min_replicas <= p.min_replicas) continue;
    std::string days = cron_weekdays(b.weekdays, false);
    std::string end = b.last_hour == 23 ? fmt::format("59 23 * * {}", days) : fmt::format("0 {} * * {}", b.last_hour + 1, days);
    triggers.push_back({{"type", "cron"},
                        {"metadata", {{"timezone", "Etc/UTC"},
                                      {"start", fmt::format("0 {} * * {}", b.first_hour, days)},
                                      {"end", end},
                                      {"desiredReplicas", std::to_string(b.min_replicas)}}}});
  }
  // The reactive trigger: the equal-cost target with a forecast, the headroom target without.
  const double per_pod = p.capacity_per_pod * rec.hpa_target_utilization;
  if (p.metric == "cpu" || p.metric == "memory") {
    triggers.push_back({{"type", p.metric},
                        {"metricType", "Utilization"},
                        {"metadata", {{"value", std::to_string(std::max(1L, std::lround(per_pod)))}}}});
  } else {
    std::string server = options.prometheus_url.empty() ? "http://prometheus.monitoring.svc:9090" : options.prometheus_url;
    std::string query = options.query.empty() ? fmt::format("sum({})", p.metric) : options.query;
    triggers.push_back({{"type", "prometheus"},
                        {"metadata", {{"serverAddress", server}, {"query", query}, {"threshold", fmt::format("{:g}", per_pod)}}}});
  }
  nlohmann::ordered_json ref = scale_target_ref(p);
  nlohmann::ordered_json spec;
  spec["scaleTargetRef"] = ref;
  spec["pollingInterval"] = 15;
  spec["cooldownPeriod"] = 300;
  spec["minReplicaCount"] = p.min_replicas;
  spec["maxReplicaCount"] = p.max_replicas;
  spec["advanced"] = {{"horizontalPodAutoscalerConfig", {{"behavior", behavior()}}}};
  spec["triggers"] = triggers;
  return {{"apiVersion", "keda.sh/v1alpha1"}, {"kind", "ScaledObject"}, {"metadata", metadata(rec, options)}, {"spec", spec}};
}

}  // namespace coldstart::predict
