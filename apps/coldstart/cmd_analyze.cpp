// coldstart analyze: placeholder until its issue lands (the owner replaces this file).
#include "cli.hpp"

namespace coldstart::cli {
void register_analyze(CLI::App&, GlobalOptions&) {}
}  // namespace coldstart::cli
