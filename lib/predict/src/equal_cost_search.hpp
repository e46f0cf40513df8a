// Internal: the search both replays use for the equal-cost HPA (backtest.cpp, walk_forward.cpp).
#pragma once
#include <algorithm>
#include <cmath>
#include <utility>

#include "coldstart/predict/backtest.hpp"

namespace coldstart::predict::detail {

// The reactive target whose pod-hours match `budget`. Pod-hours fall as the target rises, so
// bisect; end on the side that spends at least the budget, so the baseline is never starved.
// `known` > 0: a target that may spend exactly the budget (the replayed policy is itself that
// reactive HPA), which is then the baseline. `hint` (a target and its pod-hours, e.g. the
// reactive HPA's) narrows the bracket: pod-hours go roughly as 1 / target.
template <class Run>  // PolicyOutcome run(double target)
PolicyOutcome search_equal_cost(const Run& run, double budget, double known, double hint_target, double hint_pod_hours) {
  double lo = 0.05, hi = 4.0;  // utilisation targets: lo spends most, hi least
  PolicyOutcome best = run(known > 0 ? known : lo);
  if (known > 0 && best.metrics.pod_hours == budget) return best;
  if (hint_target > 0 && hint_pod_hours > 0 && budget > 0) {
    const double guess = std::clamp(hint_target * hint_pod_hours / budget, 0.06, 3.6);
    PolicyOutcome low = run(guess / 1.1);
    if (low.metrics.pod_hours >= budget) {
      lo = guess / 1.1;
      best = std::move(low);
      PolicyOutcome high = run(guess * 1.1);
      if (high.metrics.pod_hours >= budget) {
        lo = guess * 1.1;
        best = std::move(high);
      } else {
        hi = guess * 1.1;
      }
    } else {
      hi = guess / 1.1;
      best = run(lo);
    }
  } else if (known > 0) {
    best = run(lo);
  }
  // Targets print as whole percentages: 0.2 % is precise enough.
  for (int i = 0; i < 30 && hi - lo > 2e-3 && std::abs(best.metrics.pod_hours / budget - 1) > 5e-4; ++i) {
    const double mid = (lo + hi) / 2;
    PolicyOutcome o = run(mid);
    if (o.metrics.pod_hours >= budget) {
      lo = mid;
      best = std::move(o);
    } else {
      hi = mid;
    }
  }
  return best;
}

}  // namespace coldstart::predict::detail
