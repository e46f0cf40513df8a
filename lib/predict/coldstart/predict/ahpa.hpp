// The ahpa pipeline as two calls: metrics in (file, stdin or live Prometheus), then either the
// recommendation with its manifest, or the recommendation replayed on the whole history.
// `coldstart ahpa` and any other front end call these; rendering stays in report.hpp / emit.hpp.
#pragma once
#include <nlohmann/json.hpp>

#include "coldstart/predict/emit.hpp"
#include "coldstart/predict/recommend.hpp"
#include "coldstart/predict/series_io.hpp"

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
  RecommendOptions options;          // replay_all is implied
};

struct BacktestReport {
  LoadedSeries loaded;
  Recommendation recommendation;     // recommendation.backtest is the replay of the whole history
};

// load_metrics -> recommend replaying everything. Throws Error when the history is too short
// to replay (under two days), besides what load_metrics and recommend throw.
BacktestReport backtest(const BacktestRequest& request);

}  // namespace coldstart::predict
