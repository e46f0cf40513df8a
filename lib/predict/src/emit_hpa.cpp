#include "coldstart/predict/emit.hpp"

namespace coldstart::predict {

// A plain HPA cannot schedule ahead, so it gets the reactive target that spends what the
// forecast policy spends (or the headroom target when nothing is predictable).
nlohmann::ordered_json emit_hpa(const Recommendation& rec, const EmitOptions& options) {
  using namespace emit_detail;
  const PolicyOptions& p = rec.policy;
  nlohmann::ordered_json spec;
  spec["scaleTargetRef"] = scale_target_ref(p);
  spec["minReplicas"] = std::max(1, p.min_replicas);
  spec["maxReplicas"] = p.max_replicas;
  spec["metrics"] = metrics(p, p.capacity_per_pod * rec.hpa_target_utilization);
  spec["behavior"] = behavior();
  return {{"apiVersion", "autoscaling/v2"}, {"kind", "HorizontalPodAutoscaler"}, {"metadata", metadata(rec, options)}, {"spec", spec}};
}

}  // namespace coldstart::predict
