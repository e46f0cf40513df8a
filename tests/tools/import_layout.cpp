// Test driver for cluster::import_into_containerd until `coldstart prewarm pull --import containerd`
// is wired: lets tests/integration/prewarm_import.sh and scripts/bench/prewarm-import.sh run the
// library step on a layout made by skopeo.
//
//   import_layout LAYOUT REFERENCE [--socket S] [--namespace NS] [--snapshotter S] [--platform P]
//                 [--no-unpack] [--no-verify] [--ctr PATH] [--unpacker coldstart|containerd]
//                 [--unpack-jobs N]
// Prints the ImportResult as one JSON line; errors are one line on stderr, exit 1 (usage: 2).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <string>

#include "coldstart/cluster/containerd_import.hpp"
#include "coldstart/core/error.hpp"

int main(int argc, char** argv) {
  using namespace coldstart;
  cluster::ImportOptions options;
  std::vector<std::string> positional;
  try {
    for (int i = 1; i < argc; ++i) {
      std::string arg = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw UsageError(arg + " needs a value");
        return argv[++i];
      };
      if (arg == "--socket") options.socket = value();
      else if (arg == "--namespace") options.namespace_name = value();
      else if (arg == "--snapshotter") options.snapshotter = value();
      else if (arg == "--platform") options.platform = value();
      else if (arg == "--ctr") options.ctr = value();
      else if (arg == "--no-unpack") options.unpack = false;
      else if (arg == "--no-verify") options.verify = false;
      else if (arg == "--unpacker") {
        std::string v = value();
        if (v == "containerd") options.unpacker = cluster::ImportOptions::Unpacker::containerd;
        else if (v != "coldstart") throw UsageError("--unpacker coldstart|containerd");
      } else if (arg == "--unpack-jobs") options.unpack_jobs = std::stoi(value());
      else if (arg.starts_with("--")) throw UsageError("unknown flag " + arg);
      else positional.push_back(arg);
    }
    if (positional.size() != 2) throw UsageError("usage: import_layout LAYOUT REFERENCE [--socket S] ...");
    auto result = cluster::import_into_containerd(positional[0], positional[1], options);
    nlohmann::ordered_json out{{"image_names", result.image_names},
                               {"target_digest", result.target_digest},
                               {"target_media_type", result.target_media_type},
                               {"bytes", result.bytes},
                               {"blobs", result.blobs},
                               {"unpacked", result.unpacked},
                               {"seconds", result.seconds},
                               {"layers", result.layers},
                               {"layers_present", result.layers_present},
                               {"layers_by_coldstart", result.layers_by_coldstart},
                               {"left_to_containerd", result.left_to_containerd},
                               {"unpack_seconds", result.unpack_seconds},
                               {"import_seconds", result.import_seconds}};
    std::cout << out.dump() << "\n";
    return 0;
  } catch (const UsageError& e) {
    std::cerr << "import_layout: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "import_layout: " << e.what() << "\n";
    return 1;
  }
}
