#include "coldstart/predict/replay.hpp"

#include <algorithm>
#include <cmath>

#include "pod_set.hpp"

namespace coldstart::predict {

Timeline simulate_manifest(const std::vector<double>& demand, const std::vector<DayPlan>& days,
                           const std::vector<int>& need, const std::vector<int>& hold, int initial,
                           const SimulationConfig& c, const Damping& d, const std::vector<double>& served) {
  Timeline out;
  out.requested.reserve(demand.size());
  out.ready.reserve(demand.size());
  detail::PodSet pods(std::max(0, initial), detail::ticks_of(c.ready_time, c.tick));
  detail::WindowMax hpa_window(detail::ticks_of(c.scale_down_window, c.tick));
  detail::WindowMax forecast_window(detail::ticks_of(d.scale_down_window, c.tick));
  const std::int64_t spacing = detail::ticks_of(d.min_scale_down_spacing, c.tick);
  std::int64_t last_event = -spacing;
  std::size_t day = 0;
  for (std::size_t i = 0; i < demand.size(); ++i) {
    while (day + 1 < days.size() && days[day + 1].first_tick <= i) ++day;
    const DayPlan& plan = days[day];
    const auto t = static_cast<std::int64_t>(i);
    const int current = pods.size(), ready = pods.ready(t);
    const auto clamp = [&](long v) { return static_cast<int>(std::clamp<long>(v, plan.min_replicas, plan.max_replicas)); };
    const auto hour = static_cast<std::size_t>((static_cast<std::int64_t>(i - plan.first_tick) * c.tick / 3600) % 24);
    const int floor = plan.floor[hour];
    const double up_tolerance = plan.scale_up_tolerance >= 0 ? plan.scale_up_tolerance : c.tolerance;
    hpa_window.set_ticks(detail::ticks_of(plan.scale_down_window >= 0 ? plan.scale_down_window : c.scale_down_window, c.tick));
    // The HPA leaves the replicas alone while the metric ratio is within the tolerances.
    const auto outside = [&](double ratio) { return ratio > 1 + up_tolerance || ratio < 1 - c.tolerance; };
    long proposal = floor;
    if (plan.reactive_target > 0) {
      // The HPA: utilisation over ready pods; no change within the tolerance.
      const double per_pod = c.capacity_per_pod * plan.reactive_target;
      const double ratio = ready > 0 ? demand[i] / (ready * per_pod) : (demand[i] > 0 ? INFINITY : 0);
      long metric = current;
      if (outside(ratio)) metric = std::lround(std::ceil(demand[i] / per_pod - 1e-9));
      proposal = std::max(proposal, metric);
    }
    if (plan.served) {
      // An External AverageValue metric: the HPA compares it with the target times the current
      // replicas (not only the ready ones); no change within the tolerance.
      const double ratio = current > 0 ? served[i] / (current * c.capacity_per_pod) : (served[i] > 0 ? INFINITY : 0);
      long metric = current;
      if (outside(ratio)) metric = std::lround(std::ceil(served[i] / c.capacity_per_pod - 1e-9));
      proposal = std::max(proposal, metric);
    }
    if (plan.forecast) proposal = std::max<long>(proposal, need[i]);
    const int recommendation = clamp(proposal);
    const int hpa_stabilised = hpa_window.push(t, recommendation);
    const int forecast_stabilised = forecast_window.push(t, recommendation);
    int next = current;
    if (recommendation > current) {
      long by_percent = static_cast<long>(std::floor(current * (1 + c.scale_up_percent / 100)));
      next = std::min<long>(recommendation, std::max<long>(by_percent, current + c.scale_up_pods));
    } else if (!plan.forecast) {
      next = std::min(current, hpa_stabilised);
    } else {
      // Damped: the window's highest need, never below what the forecast needs soon.
      const int stabilised = std::max({forecast_stabilised, clamp(hold[i]), clamp(floor)});
      if (stabilised < current && t - last_event >= spacing && stabilised < (1 - d.hysteresis) * current - 1e-9)
        next = stabilised;
    }
    if (current > plan.max_replicas) next = plan.max_replicas;  // a lowered bound applies at once
    if (next != current) {
      out.pod_starts += pods.resize(next, t);
      ++out.scaling_events;
      last_event = t;
    }
    out.requested.push_back(pods.size());
    out.ready.push_back(pods.ready(t));
  }
  return out;
}

}  // namespace coldstart::predict
