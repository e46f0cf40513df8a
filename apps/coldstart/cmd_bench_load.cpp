// Placeholder until coldstart bench load lands: registers nothing, so --help lists only what works.
#include "cli.hpp"

namespace coldstart::cli {

void register_bench_load(CLI::App& bench, GlobalOptions& global) {}

}  // namespace coldstart::cli
