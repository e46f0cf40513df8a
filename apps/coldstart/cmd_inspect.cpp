// coldstart inspect IMAGE: the manifest-level view of one image on any transport.
#include <memory>

#include "cli.hpp"
#include "coldstart/image/inspect.hpp"

namespace coldstart::cli {

void register_inspect(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("inspect", "Show an image's platform, manifest, config and layers (no layer download)");
  auto image = std::make_shared<std::string>();
  auto no_trunc = std::make_shared<bool>(false);
  cmd->add_option("IMAGE", *image,
                  "docker://REF or REF, oci:DIR[:TAG|@DIGEST], oci-archive:FILE[:TAG], docker-archive:FILE[:REF]")
      ->required();
  cmd->add_flag("--no-trunc", *no_trunc, "Show full digests and history lines");
  cmd->footer(
      "Examples:\n"
      "  coldstart inspect oci:examples/images/aigc:v1\n"
      "  coldstart inspect --platform linux/arm64 oci:examples/images/multiarch:latest -o json\n"
      "  coldstart inspect docker-archive:app.tar:aigc:v1 --no-trunc\n"
      "  coldstart inspect --plain-http 127.0.0.1:5000 127.0.0.1:5000/aigc/sd:v3");
  set_action(cmd, [&global, image, no_trunc] {
    OutputFormat format = global.format();
    const bool whole = *no_trunc || global.no_trunc;  // the command's flag or the global one
    if (whole) set_table_width(0);                    // whole digests and whole cells
    auto source = image::open_source(*image, global.source_options());
    auto report = image::inspect_image(*source);
    std::string table = format == OutputFormat::table ? image::render_inspect_table(report, whole) : "";
    std::string markdown = format == OutputFormat::markdown ? image::render_inspect_markdown(report, whole) : "";
    print_document(format, image::inspect_to_json(report), table, markdown);
    return 0;
  });
}

}  // namespace coldstart::cli
