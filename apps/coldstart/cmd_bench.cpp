// coldstart bench pull|load|simulate: measure pulls and model loads, model cluster scale-out.
#include "cli.hpp"

namespace coldstart::cli {

void register_bench(CLI::App& app, GlobalOptions& global) {
  auto* bench = app.add_subcommand("bench", "Measure pulls and model loads; model cluster scale-out");
  bench->require_subcommand(1);
  register_bench_pull(*bench, global);
  register_bench_load(*bench, global);
  register_bench_simulate(*bench, global);
}

}  // namespace coldstart::cli
