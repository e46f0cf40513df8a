// What `ahpa recommend`/`backtest` share with `ahpa serve` (cmd_ahpa_serve.cpp): the input and
// policy flags, registered on a subcommand and turned into library requests. cmd_ahpa.cpp owns
// the flags; these hooks hand them over without exposing its flag struct.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>

#include "coldstart/predict/recommend.hpp"
#include "coldstart/predict/series_io.hpp"

namespace coldstart::cli {

struct GlobalOptions;

struct AhpaSharedFlags {
  std::function<void(CLI::App*)> add_input_flags, add_policy_flags;
  std::function<predict::MetricsInput()> input;          // after parsing: the metrics input
  std::function<predict::RecommendOptions(const predict::MetricsInput&)> options;  // the policy (reads
                                                                                  // the ready time from it)
};

void register_ahpa_serve(CLI::App& ahpa, GlobalOptions& global, const AhpaSharedFlags& shared);

}  // namespace coldstart::cli
