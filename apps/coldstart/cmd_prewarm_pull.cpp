// coldstart prewarm pull IMAGE --cache DIR: a fast, verified node cache (an OCI image layout).
#include <memory>
#include <optional>

#include "cli.hpp"
#include "coldstart/cluster/containerd_import.hpp"
#include "coldstart/cluster/pull.hpp"
#include "coldstart/cluster/pull_report.hpp"
#include "coldstart/core/digest.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/log.hpp"
#include "coldstart/core/progress.hpp"
#include "coldstart/core/units.hpp"

namespace coldstart::cli {

namespace {

struct PullFlags {
  std::string image, cache, plan, layers = "all", chunk_size = "64MiB", tag;
  std::string import_to, namespace_name = "k8s.io", snapshotter = "overlayfs", unpacker = "coldstart";
  int jobs = 8, unpack_jobs = 0;
  bool verify = false;
};

}  // namespace

void register_prewarm_pull(CLI::App& prewarm, GlobalOptions& global) {
  auto* cmd = prewarm.add_subcommand("pull", "Fetch an image (or the plan's layers) into a verified OCI layout cache, fast");
  auto f = std::make_shared<PullFlags>();
  cmd->add_option("IMAGE", f->image,
                  "docker://REF or REF, oci:DIR[:TAG|@DIGEST], oci-archive:FILE[:TAG], docker-archive:FILE[:REF]")
      ->required();
  cmd->add_option("--cache", f->cache, "OCI image layout directory to fill (created when missing)")->required();
  cmd->add_option("--plan", f->plan, "Plan from coldstart analyze --plan-out, to select layers by class")
      ->check(CLI::ExistingFile);
  cmd->add_option("--layers", f->layers, "Which layers: stable, volatile or all (default all; stable/volatile need --plan)")
      ->check(CLI::IsMember({"stable", "volatile", "all"}));
  cmd->add_option("--jobs", f->jobs, "Parallel connections (default 8)");
  cmd->add_option("--chunk-size", f->chunk_size, "Largest HTTP Range request per connection (default 64MiB)");
  cmd->add_flag("--verify", f->verify, "Re-hash blobs already in the cache (default: trust their size; they were verified when stored)");
  cmd->add_option("--tag", f->tag, "Tag to record in index.json (default: the image's tag)");
  cmd->add_option("--import", f->import_to,
                  "After the pull, import the image into containerd[=SOCKET] (default socket $CONTAINERD_ADDRESS "
                  "or /run/containerd/containerd.sock), unpacked, named by its registry reference");
  cmd->add_option("--namespace", f->namespace_name, "containerd namespace for --import (default k8s.io, the kubelet's)");
  cmd->add_option("--snapshotter", f->snapshotter, "Snapshotter to unpack for with --import (default overlayfs)");
  cmd->add_option("--unpacker", f->unpacker,
                  "Who writes the layers into snapshots with --import: coldstart (default: several layers at once, "
                  "before the import; overlayfs only) or containerd (its own unpack, one layer after another)")
      ->check(CLI::IsMember({"coldstart", "containerd"}));
  cmd->add_option("--unpack-jobs", f->unpack_jobs, "Layers coldstart writes at once with --import (default: one per core, at least 2)")
      ->check(CLI::PositiveNumber);
  cmd->footer(
      "Examples:\n"
      "  coldstart prewarm pull oci:examples/images/aigc:v5 --cache /tmp/cache\n"
      "  coldstart prewarm pull --plain-http 127.0.0.1:5000 127.0.0.1:5000/aigc:v5 --cache /var/lib/coldstart/cache\n"
      "  coldstart prewarm pull REG/aigc:v5 --cache DIR --plan plan.json --layers stable -o json\n"
      "  coldstart prewarm pull REG/aigc:v5 --cache DIR --import containerd   # the kubelet then finds it\n"
      "  skopeo copy oci:/tmp/cache:v5 docker-archive:aigc.tar   # the cache is a plain OCI layout");
  set_action(cmd, [&global, f] {
    OutputFormat format = global.format();
    std::optional<cluster::ImportOptions> import_options;
    if (!f->import_to.empty()) {
      import_options = cluster::parse_import_flag(f->import_to);
      import_options->namespace_name = f->namespace_name;
      import_options->snapshotter = f->snapshotter;
      import_options->unpacker = f->unpacker == "containerd" ? cluster::ImportOptions::Unpacker::containerd
                                                              : cluster::ImportOptions::Unpacker::coldstart;
      import_options->unpack_jobs = f->unpack_jobs;
      if (f->layers != "all")
        throw coldstart::UsageError("--import with --layers " + f->layers + ": containerd would name an image whose other layers are missing",
                         "import whole images (--layers all, the default); the cache keeps its stable layers for the next release");
    }
    cluster::PullOptions o;
    o.image = f->image;
    o.source = global.source_options();
    o.cache = f->cache;
    if (!f->plan.empty()) o.plan = f->plan;
    o.layers = cluster::parse_layer_filter(f->layers);
    o.jobs = f->jobs;
    o.chunk_size = parse_bytes(f->chunk_size, "--chunk-size");
    o.verify_existing = f->verify;
    o.tag = f->tag;

    bool tty = !global.quiet && ProgressBar::stderr_is_tty();
    std::unique_ptr<ProgressBar> bar;
    cluster::PullObserver observer;
    observer.on_plan = [&](std::uint64_t total, std::uint64_t present) {
      bar = std::make_unique<ProgressBar>(total, tty);
      bar->add(present);
      bar->draw(true);
    };
    observer.on_bytes = [&](std::uint64_t n) {
      if (!bar) return;
      bar->add(n);
      bar->draw();
    };
    observer.on_blob_start = [&](const std::string& digest, const std::string& role) {
      if (bar) bar->set_label(role + " " + short_digest(digest));
    };
    observer.on_blob_done = [&](const cluster::BlobResult& b) {
      if (!tty) log::info("{}", cluster::blob_done_line(b));
    };
    auto summary = cluster::pull_image(o, observer);
    bar.reset();  // clears the bar line before the summary
    nlohmann::ordered_json doc = cluster::pull_summary_to_json(summary);
    std::string import_line;
    if (import_options) {
      // A local source (oci:, archives) has no registry name; --tag REGISTRY/REPO:TAG gives it one.
      std::string reference = !summary.ref.empty() ? summary.ref : summary.tag;
      if (summary.ref.empty() && reference.find('/') == std::string::npos)
        throw coldstart::UsageError("--import containerd: " + f->image + " has no registry reference to name the image by",
                         "pass --tag REGISTRY/REPO:TAG, the reference pods will use");
      if (!global.quiet) log::info("importing {} into containerd at {} (namespace {})", reference, import_options->socket,
                                   import_options->namespace_name);
      auto imported = cluster::import_into_containerd(f->cache, reference, *import_options);
      doc["import"] = {{"runtime", "containerd"},
                       {"socket", import_options->socket},
                       {"namespace", import_options->namespace_name},
                       {"image_names", imported.image_names},
                       {"target_digest", imported.target_digest},
                       {"blobs", imported.blobs},
                       {"bytes", imported.bytes},
                       {"unpacked", imported.unpacked},
                       {"seconds", imported.seconds},
                       {"unpacker", f->unpacker},
                       {"layers", imported.layers},
                       {"layers_present", imported.layers_present},
                       {"layers_by_coldstart", imported.layers_by_coldstart},
                       {"left_to_containerd", imported.left_to_containerd},
                       {"unpack_seconds", imported.unpack_seconds},
                       {"import_seconds", imported.import_seconds}};
      std::string how;
      if (imported.unpacked && import_options->unpacker == cluster::ImportOptions::Unpacker::coldstart) {
        how = fmt::format(" ({} of {} layers written by coldstart, {} already there", imported.layers_by_coldstart,
                          imported.layers, imported.layers_present);
        if (!imported.left_to_containerd.empty()) how += "; containerd unpacked the rest: " + imported.left_to_containerd;
        how += ")";
      }
      import_line = "imported into containerd (" + import_options->namespace_name + "): " +
                    imported.image_names.front() + (imported.unpacked ? ", unpacked" : "") + " in " +
                    format_duration(imported.seconds) + how + "\n";
    }
    std::string table = format == OutputFormat::table ? cluster::render_pull_table(summary, false) + import_line : "";
    std::string markdown = format == OutputFormat::markdown ? cluster::render_pull_table(summary, true) + import_line : "";
    print_document(format, doc, table, markdown);
    return 0;
  });
}

}  // namespace coldstart::cli
