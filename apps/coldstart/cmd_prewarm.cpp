// coldstart prewarm pull|files|manifests: put what the plan says onto nodes before pods need it.
#include "cli.hpp"

namespace coldstart::cli {

void register_prewarm(CLI::App& app, GlobalOptions& global) {
  auto* prewarm = app.add_subcommand("prewarm", "Put images and model weights onto nodes before pods need them");
  prewarm->require_subcommand(1);
  register_prewarm_pull(*prewarm, global);
  register_prewarm_files(*prewarm, global);
  register_prewarm_manifests(*prewarm, global);
}

}  // namespace coldstart::cli
