// Rendering recommendations and backtests: stable JSON (schema_version 1), human tables,
// the per-tick schedule CSV, and an SVG chart of demand against ready capacity.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "coldstart/predict/backtest.hpp"
#include "coldstart/predict/recommend.hpp"

namespace coldstart::predict {

// Manifest YAML with every string double-quoted, so values such as "2015-02-01 00:00:00" or
// "2000" stay strings for every YAML parser (kubectl, PyYAML) instead of becoming dates/numbers.
std::string manifest_yaml(const nlohmann::ordered_json& doc);

// recommend -o json: periods, strategy, reason, policy, bounds, 24 h forecast, replay evidence.
nlohmann::ordered_json recommendation_json(const Recommendation& rec, const nlohmann::ordered_json& manifest);
// One paragraph for stderr or markdown: period(s), strategy and why.
std::string recommendation_summary(const Recommendation& rec);

// One replayed policy's figures (the "policies" and "formats" entries of backtest -o json).
nlohmann::ordered_json metrics_json(const PolicyOutcome& outcome);

// backtest -o json.
nlohmann::ordered_json backtest_json(const Recommendation& rec);
// backtest table (text or markdown).
std::string backtest_table(const Recommendation& rec, bool markdown);

// time,demand,<policy>_ready,<policy>_requested,... one row per `row_seconds` (0: per simulation
// tick): the peak demand, the fewest ready and the most requested replicas of every policy in it.
std::string schedule_csv(const BacktestResult& result, std::int64_t row_seconds = 0);

// Demand against the ready capacity of each policy over (at most) the last `days` replayed days:
// dated day ticks, the y axis in `unit` (the metric), under-provisioning shaded per controller.
std::string backtest_chart_svg(const BacktestResult& result, const std::string& title, double days = 7,
                               const std::string& unit = "");

}  // namespace coldstart::predict
