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
};

// What a controller did: per tick, the replicas it asked for and the replicas that were ready.
struct Timeline {
  std::vector<int> requested;
  std::vector<int> ready;
  int scaling_events = 0;               // ticks where the requested count changed
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
};

ProvisioningMetrics measure(const std::vector<double>& demand, const Timeline& timeline, const SimulationConfig& config);

}  // namespace coldstart::predict
