// Rendering `ahpa backtest`: the walk-forward replay of each format's manifest against the
// equal-cost HPA first, the reactive HPA second, and the in-sample replay as a labelled extra.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "coldstart/predict/ahpa.hpp"

namespace coldstart::predict {

// backtest -o json (schema_version 1; see docs/ahpa.md).
nlohmann::ordered_json walk_forward_json(const BacktestReport& report);
// backtest table (text or markdown).
std::string walk_forward_table(const BacktestReport& report, bool markdown);

}  // namespace coldstart::predict
