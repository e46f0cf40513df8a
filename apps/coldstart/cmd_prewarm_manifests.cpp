// Placeholder until coldstart prewarm manifests lands: registers nothing, so --help lists only what works.
#include "cli.hpp"

namespace coldstart::cli {

void register_prewarm_manifests(CLI::App& prewarm, GlobalOptions& global) {}

}  // namespace coldstart::cli
