// Placeholder until coldstart prewarm pull lands: registers nothing, so --help lists only what works.
#include "cli.hpp"

namespace coldstart::cli {

void register_prewarm_pull(CLI::App& prewarm, GlobalOptions& global) {}

}  // namespace coldstart::cli
