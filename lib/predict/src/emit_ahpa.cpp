#include <fmt/format.h>

#include <cmath>
#include <ctime>

#include "coldstart/predict/backtest.hpp"
#include "coldstart/predict/emit.hpp"
#include "coldstart/predict/timestamp.hpp"

namespace coldstart::predict {
namespace {

std::string hours(const HourlyBound& b) {
  return b.first_hour == b.last_hour ? std::to_string(b.first_hour) : fmt::format("{}-{}", b.first_hour, b.last_hour);
}

}  // namespace

nlohmann::ordered_json emit_ahpa(const Recommendation& rec, const EmitOptions& options) {
  using namespace emit_detail;
  const PolicyOptions& p = rec.policy;
  nlohmann::ordered_json spec;
  spec["scaleTargetRef"] = scale_target_ref(p);
  // AHPA turns forecast demand into pods with this target, so it is the full capacity per pod.
  spec["metrics"] = metrics(p, p.capacity_per_pod);
  spec["minReplicas"] = p.min_replicas;
  spec["maxReplicas"] = p.max_replicas;
  spec["scaleStrategy"] = rec.strategy;
  spec["stabilizationWindowSeconds"] = static_cast<long>(std::lround(default_damping().scale_down_window));  // as replayed
  spec["prediction"] = {{"quantile", std::round(p.quantile * 1000) / 10},
                        {"scaleUpForward", static_cast<long>(std::lround(std::ceil(p.ready_time_seconds)))}};
  if (!rec.bounds.empty()) {
    nlohmann::ordered_json bounds = nlohmann::ordered_json::array();
    for (const auto& b : rec.bounds)
      bounds.push_back({{"cron", fmt::format("* {} ? * {}", hours(b), cron_weekdays(b.weekdays, true))},
                        {"minReplicas", b.min_replicas},
                        {"maxReplicas", b.max_replicas}});
    const std::int64_t start = options.start > 0 ? options.start : rec.history_end;
    spec["instanceBounds"] = nlohmann::ordered_json::array(
        {{{"startTime", format_utc_time(start)},
          {"endTime", format_utc_time(start + options.valid_seconds)},
          {"bounds", bounds}}});
  }
  return {{"apiVersion", "autoscaling.alibabacloud.com/v1beta1"},
          {"kind", "AdvancedHorizontalPodAutoscaler"},
          {"metadata", metadata(rec, options)},
          {"spec", spec}};
}

}  // namespace coldstart::predict
