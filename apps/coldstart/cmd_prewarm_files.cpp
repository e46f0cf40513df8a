// Placeholder until coldstart prewarm files lands: registers nothing, so --help lists only what works.
#include "cli.hpp"

namespace coldstart::cli {

void register_prewarm_files(CLI::App& prewarm, GlobalOptions& global) {}

}  // namespace coldstart::cli
