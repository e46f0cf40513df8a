// Walk-forward replay: every replayed UTC day runs the manifest that `recommend` prints from the
// data before that day — strategy, period, bounds, max replicas, HPA target — exactly as a
// controller deployed (or re-applied) that morning would, and the day's forecast is fitted on
// that data too. Nothing a day's controller does depends on any later value. The capacity per pod,
// when derived, is derived once from the warm-up (the data before the first replayed day), so the
// figures of every day are in one unit.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "coldstart/predict/backtest.hpp"
#include "coldstart/predict/emit.hpp"
#include "coldstart/predict/recommend.hpp"

namespace coldstart::predict {

struct WalkForwardOptions {
  RecommendOptions recommend;              // as the user gave them (capacity and max may be 0)
  std::vector<ManifestFormat> formats{ManifestFormat::ahpa};  // replayed; the first is `recommended`
  double min_warmup_seconds = 7 * 86400;   // history before the first replayed day (≤ half of it)
  Damping damping = default_damping();
  // A bound, not a policy: the forecast's band replaced by the values that really came, so the
  // replay shows what the same manifest and damping reach with a perfect forecast. Every choice
  // (strategy, period, floors, bounds) stays walk-forward.
  bool perfect_foresight = false;
};

// The decision in force during one replayed day.
struct WalkForwardDay {
  std::int64_t start = 0;                  // unix seconds (UTC midnight, or the first sample after it)
  std::string strategy;                    // auto | observer
  double period_seconds = 0;
  int max_replicas = 0;
  double hpa_target_utilization = 0;
};

// One format's manifest replayed, and the reactive HPA that spends the same pod-hours.
struct FormatReplay {
  ManifestFormat format = ManifestFormat::ahpa;
  std::string name;                        // ahpa | hpa | keda | crane
  PolicyOutcome outcome;
  PolicyOutcome equal_cost;
  bool not_worse_than_equal_cost() const;
};

struct WalkForwardResult {
  // policies: reactive_hpa, recommended (the first format), static_max, equal_cost_hpa (for the
  // first format) — the shape every backtest report reads.
  BacktestResult replay;
  std::vector<FormatReplay> formats;       // every replayed format, in the order asked
  std::vector<WalkForwardDay> days;
  PolicyOptions policy;                    // capacity (fixed) and the last day's bounds
  bool perfect_foresight = false;          // as asked (see WalkForwardOptions)
};

// Throws Error when the history is too short to keep a warm-up (at least a day) and replay a day.
WalkForwardResult run_walk_forward(const Series& series, const WalkForwardOptions& options);

// Missing samples carried forward from the last one seen (a live controller cannot interpolate
// towards a value it has not seen); leading ones take the first value.
std::vector<double> carry_forward(const std::vector<double>& values);

std::string format_name(ManifestFormat format);

}  // namespace coldstart::predict
