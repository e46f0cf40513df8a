// Replaying a replica controller against demand, tick by tick: which pods exist, which are ready
// (a new pod serves only after the ready time), and what that costs.
#pragma once
#include <cstdint>
#include <vector>

namespace coldstart::predict {

struct SimulationConfig {
  std::int64_t tick = 15;               // seconds per simulation step (the HPA sync period)
  double ready_time = 180;              // seconds from scale-up to a pod serving
  double capacity_per_pod = 1;          // demand one ready pod serves
  int min_replicas = 1, max_replicas = 100;
  double tolerance = 0.1;               // reactive HPA: no change while |ratio - 1| <= tolerance
  double scale_down_window = 300;       // seconds: scale down to the highest recommendation in it
  // Scale-up policies (the Kubernetes default, and what the emitted behavior says): per sync
  // period at most +100 % or +4 pods, whichever is more.
  double scale_up_percent = 100;
  int scale_up_pods = 4;
};

// Damping for a forecast controller: every scale-up of an AIGC pod is a cold start, so churn
// costs. Scale-ups are immediate (a late pod is an unserved request); a scale-down must clear
// the stabilisation window, the forward hold (no lower than what the forecast needs soon, which
// stops down-then-up flaps), the hysteresis band, and keep a minimum spacing from the last event.
struct Damping {
  double hold_seconds = 1800;           // scale down no lower than the forecast need this far past the ready time
  double scale_down_window = 300;       // seconds: scale down only to the highest need within it (as the HPA)
  double hysteresis = 0;                // scale down only when the target < (1 − hysteresis) × current
  double min_scale_down_spacing = 600;  // seconds since the previous scaling event before a scale-down
};

// What a controller did: per tick, the replicas it asked for and the replicas that were ready.
struct Timeline {
  std::vector<int> requested;
  std::vector<int> ready;
  int scaling_events = 0;               // ticks where the requested count changed
  int pod_starts = 0;                   // pods started by scale-ups (each one a cold start)
};

// Kubernetes HPA: desired = ceil(ready × (demand / (ready × capacity)) / target), 10 % tolerance,
// immediate scale-up, scale-down stabilised over the window. `demand` is per tick.
Timeline simulate_reactive_hpa(const std::vector<double>& demand, double target_utilization,
                               const SimulationConfig& config);

// A controller that asks for `desired[t]` replicas at each tick (clamped, scale-down stabilised).
Timeline simulate_desired(const std::vector<int>& desired, int initial, const SimulationConfig& config);

// A fixed replica count, ready from the start.
Timeline simulate_static(std::size_t ticks, int replicas);

struct ProvisioningMetrics {
  double under_provisioned_pod_minutes = 0;   // Σ max(0, demand/capacity − ready) over time
  double minutes_above_capacity = 0;          // time with demand > ready × capacity
  double pod_hours = 0;                       // Σ requested pods over time (starting pods cost too)
  double over_provisioned_pod_hours = 0;      // Σ max(0, requested − demand/capacity) over time
  int scaling_events = 0;
  int pod_starts = 0;                         // pods started over the replay (cold starts)
};

ProvisioningMetrics measure(const std::vector<double>& demand, const Timeline& timeline, const SimulationConfig& config);

}  // namespace coldstart::predict
