// coldstart inspect: placeholder until its issue lands (the owner replaces this file).
#include "cli.hpp"

namespace coldstart::cli {
void register_inspect(CLI::App&, GlobalOptions&) {}
}  // namespace coldstart::cli
