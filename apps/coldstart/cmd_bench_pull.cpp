// Placeholder until coldstart bench pull lands: registers nothing, so --help lists only what works.
#include "cli.hpp"

namespace coldstart::cli {

void register_bench_pull(CLI::App& bench, GlobalOptions& global) {}

}  // namespace coldstart::cli
