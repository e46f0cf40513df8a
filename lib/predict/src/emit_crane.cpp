#include <fmt/format.h>

#include <cmath>

#include "coldstart/predict/emit.hpp"

namespace coldstart::predict {

nlohmann::ordered_json emit_crane(const Recommendation& rec, const EmitOptions& options) {
  using namespace emit_detail;
  const PolicyOptions& p = rec.policy;
  const bool proactive = rec.strategy == "auto";
  nlohmann::ordered_json spec;
  spec["scaleTargetRef"] = scale_target_ref(p);
  spec["minReplicas"] = p.min_replicas;
  spec["maxReplicas"] = p.max_replicas;
  // Auto either way: Preview would leave the replicas where they are, so without a forecast the
  // EHPA is a plain reactive HPA at the headroom target (what `backtest --format crane` replays).
  spec["scaleStrategy"] = "Auto";
  spec["metrics"] = metrics(p, p.capacity_per_pod * (proactive ? 1.0 : rec.hpa_target_utilization));
  spec["behavior"] = behavior();
  if (proactive) {
    spec["prediction"] = {
        {"predictionWindowSeconds", std::max(60L, static_cast<long>(std::ceil(p.ready_time_seconds)))},
        {"predictionAlgorithm",
         {{"algorithmType", "dsp"},
          {"dsp", {{"sampleInterval", fmt::format("{}s", rec.step)},
                   {"historyLength", fmt::format("{}d", rec.period_seconds >= 7 * 86400 ? 14 : 7)}}}}}};
    nlohmann::ordered_json crons = nlohmann::ordered_json::array();
    for (const auto& b : rec.bounds) {
      if (b.min_replicas <= p.min_replicas) continue;  // the global minimum already covers it
      std::string days = cron_weekdays(b.weekdays, true);
      std::string end = b.last_hour == 23 ? fmt::format("59 23 ? * {}", days) : fmt::format("0 {} ? * {}", b.last_hour + 1, days);
      crons.push_back({{"name", fmt::format("floor-{}-{:02d}-{:02d}", days == "*" ? "daily" : days, b.first_hour, b.last_hour)},
                       {"timezone", "UTC"},
                       {"start", fmt::format("0 {} ? * {}", b.first_hour, days)},
                       {"end", end},
                       {"targetReplicas", b.min_replicas}});
    }
    for (auto& c : crons) {
      std::string name = c["name"];
      for (char& ch : name) ch = ch == ',' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      c["name"] = name;
    }
    if (!crons.empty()) spec["crons"] = crons;
  }
  return {{"apiVersion", "autoscaling.crane.io/v1alpha1"},
          {"kind", "EffectiveHorizontalPodAutoscaler"},
          {"metadata", metadata(rec, options)},
          {"spec", spec}};
}

}  // namespace coldstart::predict
