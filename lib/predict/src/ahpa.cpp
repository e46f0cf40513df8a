#include "coldstart/predict/ahpa.hpp"

#include <fmt/format.h>

#include <chrono>

#include "coldstart/core/error.hpp"
#include "coldstart/core/log.hpp"

namespace coldstart::predict {
namespace {

LoadedSeries load(const MetricsInput& input) {
  LoadedSeries loaded = load_metrics(input);
  log::info("{}: {}", loaded.source, summarize(loaded.report));
  return loaded;
}

}  // namespace

RecommendResult recommend(const RecommendRequest& request) {
  RecommendResult result;
  result.loaded = load(request.input);
  auto started = std::chrono::steady_clock::now();
  result.recommendation = recommend(result.loaded.series, request.options);
  EmitOptions emit = request.emit;
  if (emit.prometheus_url.empty()) emit.prometheus_url = request.input.prometheus_url;
  if (emit.query.empty()) emit.query = request.input.query;
  result.manifest = emit_manifest(result.recommendation, request.format, emit);
  log::debug("recommend took {:.1f} ms",
             std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
  return result;
}

BacktestReport backtest(const BacktestRequest& request) {
  BacktestReport report;
  report.loaded = load(request.input);
  auto started = std::chrono::steady_clock::now();
  RecommendOptions options = request.options;
  options.replay_all = true;
  report.recommendation = recommend(report.loaded.series, options);
  if (!report.recommendation.backtested)
    throw Error(fmt::format("{}: {:.1f} days of history is too short to replay", report.loaded.source,
                            report.recommendation.history_seconds / 86400),
                "a backtest needs at least 2 days (two cycles of the period plus a day for a forecast)");
  WalkForwardOptions walk;
  walk.recommend = request.options;
  walk.formats = request.formats;
  walk.perfect_foresight = request.perfect_foresight;
  report.walk = run_walk_forward(report.loaded.series, walk);
  log::debug("backtest took {:.1f} ms",
             std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
  return report;
}

}  // namespace coldstart::predict
