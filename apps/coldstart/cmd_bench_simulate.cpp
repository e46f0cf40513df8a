// Placeholder until coldstart bench simulate lands: registers nothing, so --help lists only what works.
#include "cli.hpp"

namespace coldstart::cli {

void register_bench_simulate(CLI::App& bench, GlobalOptions& global) {}

}  // namespace coldstart::cli
