#include "coldstart/predict/hpa_simulation.hpp"

#include <algorithm>
#include <cmath>
#include <deque>

#include "pod_set.hpp"

namespace coldstart::predict {
namespace {

using detail::PodSet;
using detail::ticks_of;
using detail::WindowMax;

int clamp_replicas(long value, const SimulationConfig& c) {
  return static_cast<int>(std::clamp<long>(value, c.min_replicas, c.max_replicas));
}

// The scale-up policies: per sync period at most max(+percent, +pods).
int scale_up_limit(int current, const SimulationConfig& c) {
  long by_percent = static_cast<long>(std::floor(current * (1 + c.scale_up_percent / 100)));
  return static_cast<int>(std::max<long>(by_percent, current + c.scale_up_pods));
}

// One controller step shared by both simulations: scale up at once (within the scale-up
// policies), scale down only as far as the window's highest recommendation allows.
void apply(int recommendation, std::int64_t t, PodSet& pods, WindowMax& window, Timeline& out, const SimulationConfig& c) {
  int stabilised = window.push(t, recommendation);
  int current = pods.size();
  int next = recommendation > current ? std::min(recommendation, scale_up_limit(current, c)) : std::min(current, stabilised);
  if (next != current) {
    out.pod_starts += pods.resize(next, t);
    ++out.scaling_events;
  }
  out.requested.push_back(pods.size());
  out.ready.push_back(pods.ready(t));
}

}  // namespace

Timeline simulate_reactive_hpa(const std::vector<double>& demand, double target, const SimulationConfig& c) {
  Timeline out;
  const double per_pod = c.capacity_per_pod * target;
  const int initial = demand.empty() ? c.min_replicas : clamp_replicas(std::lround(std::ceil(demand[0] / per_pod)), c);
  PodSet pods(initial, ticks_of(c.ready_time, c.tick));
  WindowMax window(ticks_of(c.scale_down_window, c.tick));
  for (std::size_t i = 0; i < demand.size(); ++i) {
    const auto t = static_cast<std::int64_t>(i);
    const int ready = pods.ready(t);
    int recommendation = pods.size();
    // Utilisation is measured over ready pods; with none ready every request is unserved.
    double ratio = ready > 0 ? demand[i] / (ready * per_pod) : (demand[i] > 0 ? INFINITY : 0);
    if (std::abs(ratio - 1) > c.tolerance)
      recommendation = clamp_replicas(std::lround(std::ceil(demand[i] / per_pod - 1e-9)), c);
    apply(recommendation, t, pods, window, out, c);
  }
  return out;
}

Timeline simulate_desired(const std::vector<int>& desired, int initial, const SimulationConfig& c) {
  Timeline out;
  PodSet pods(clamp_replicas(initial, c), ticks_of(c.ready_time, c.tick));
  WindowMax window(ticks_of(c.scale_down_window, c.tick));
  for (std::size_t i = 0; i < desired.size(); ++i)
    apply(clamp_replicas(desired[i], c), static_cast<std::int64_t>(i), pods, window, out, c);
  return out;
}

Timeline simulate_static(std::size_t ticks, int replicas) {
  Timeline out;
  out.requested.assign(ticks, replicas);
  out.ready.assign(ticks, replicas);
  return out;
}

ProvisioningMetrics measure(const std::vector<double>& demand, const Timeline& timeline, const SimulationConfig& c) {
  ProvisioningMetrics m;
  const double minutes = static_cast<double>(c.tick) / 60.0, hours = static_cast<double>(c.tick) / 3600.0;
  for (std::size_t i = 0; i < demand.size() && i < timeline.ready.size(); ++i) {
    if (std::isnan(demand[i])) continue;
    const double need = demand[i] / c.capacity_per_pod;
    const double ready = timeline.ready[i], requested = timeline.requested[i];
    m.under_provisioned_pod_minutes += std::max(0.0, need - ready) * minutes;
    if (need > ready + 1e-9) m.minutes_above_capacity += minutes;
    m.pod_hours += requested * hours;
    m.over_provisioned_pod_hours += std::max(0.0, requested - need) * hours;
  }
  m.scaling_events = timeline.scaling_events;
  m.pod_starts = timeline.pod_starts;
  return m;
}

}  // namespace coldstart::predict
