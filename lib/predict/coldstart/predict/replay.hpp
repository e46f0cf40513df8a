// Replaying what a deployed manifest makes its controller do, tick by tick, when the manifest
// may change every day (walk-forward: each day runs the manifest recommended from the data
// before it). One controller state carries across days, as in a cluster where `kubectl apply`
// updates the autoscaler in place.
#pragma once
#include <array>
#include <cstddef>
#include <vector>

#include "coldstart/predict/hpa_simulation.hpp"

namespace coldstart::predict {

// What the manifest in force during one replayed day asks of its controller.
struct DayPlan {
  std::size_t first_tick = 0;          // the day's first tick in the replay
  double reactive_target = 0;          // > 0: an HPA metric at this fraction of the capacity per pod
  bool forecast = false;               // true: the forecast controller (need/hold per tick), damped
  bool served = false;                 // true: an external metric (KEDA metrics-api reading `ahpa
                                       // serve`'s /forecast): `served` per tick at the capacity per pod
  std::array<int, 24> floor{};         // scheduled floor per UTC hour (cron triggers, instanceBounds)
  // The HPA behaviour of the reactive and served metrics; < 0: the config's (the Kubernetes defaults).
  double scale_up_tolerance = -1;      // scale up only when the metric ratio exceeds 1 + this
  double scale_down_window = -1;       // seconds of recommendations a scale-down stays under
  int min_replicas = 1, max_replicas = 100;
};

// Runs the day plans over `demand` (per tick). `need`/`hold` (per tick) are read on forecast days
// only: `need[t]` is what must be asked for now (the demand now and the forecast up to the ready
// time), `hold[t]` the forecast need up to the ready time + hold, the floor of any scale-down.
// `served` (per tick) is read on days whose plan reads the served value. Reactive parts follow the
// HPA algorithm of `config` (tolerance, scale-down window, scale-up policies); forecast days follow
// `damping`. Scheduled floors and metrics combine as the HPA combines metrics: the highest
// proposal wins.
Timeline simulate_manifest(const std::vector<double>& demand, const std::vector<DayPlan>& days,
                           const std::vector<int>& need, const std::vector<int>& hold, int initial,
                           const SimulationConfig& config, const Damping& damping,
                           const std::vector<double>& served = {});

}  // namespace coldstart::predict
