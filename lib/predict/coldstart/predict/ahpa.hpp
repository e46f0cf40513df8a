// The ahpa pipeline as two calls: metrics in (file, stdin or live Prometheus), then either the
// recommendation with its manifest, or the recommendation replayed on the whole history.
// `coldstart ahpa` and any other front end call these; rendering stays in report.hpp / emit.hpp.
#pragma once
#include <nlohmann/json.hpp>

#include "coldstart/predict/emit.hpp"
#include "coldstart/predict/recommend.hpp"
#include "coldstart/predict/series_io.hpp"
#include "coldstart/predict/walk_forward.hpp"

namespace coldstart::predict {

struct RecommendRequest {
  MetricsInput input;
  RecommendOptions options;
  ManifestFormat format = ManifestFormat::ahpa;
  EmitOptions emit;                  // prometheus_url and query default to the input's
};

struct RecommendResult {
  LoadedSeries loaded;               // the cleaned series and what cleaning did
  Recommendation recommendation;
  nlohmann::ordered_json manifest;   // the autoscaler document in `format`
};

// load_metrics -> recommend -> emit_manifest. Throws UsageError / Error as those do.
RecommendResult recommend(const RecommendRequest& request);

struct BacktestRequest {
  MetricsInput input;
  RecommendOptions options;
  std::vector<ManifestFormat> formats{ManifestFormat::ahpa};  // manifests replayed; the first is `recommended`
  bool perfect_foresight = false;    // see WalkForwardOptions: a bound, not evidence
};

struct BacktestReport {
  LoadedSeries loaded;
  // What `recommend` prints today, decided on the whole history; recommendation.backtest is its
  // in-sample replay (choices made with the replayed days in view), kept as a labelled extra.
  Recommendation recommendation;
  WalkForwardResult walk;            // the evidence: every day replayed with the manifest recommended before it
};

// load_metrics -> walk-forward replay of each format's manifest, plus the in-sample replay.
// Throws Error when the history is too short to replay (under two days), besides what
// load_metrics and recommend throw.
BacktestReport backtest(const BacktestRequest& request);

}  // namespace coldstart::predict
