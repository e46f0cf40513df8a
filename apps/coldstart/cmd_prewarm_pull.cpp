// coldstart prewarm pull IMAGE --cache DIR: a fast, verified node cache (an OCI image layout).
#include <memory>

#include "cli.hpp"
#include "coldstart/cluster/pull.hpp"
#include "coldstart/cluster/pull_report.hpp"
#include "coldstart/core/digest.hpp"
#include "coldstart/core/log.hpp"
#include "coldstart/core/progress.hpp"
#include "coldstart/core/units.hpp"

namespace coldstart::cli {

namespace {

struct PullFlags {
  std::string image, cache, plan, layers = "all", chunk_size = "64MiB", tag;
  int jobs = 8;
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
  cmd->footer(
      "Examples:\n"
      "  coldstart prewarm pull oci:examples/images/aigc:v5 --cache /tmp/cache\n"
      "  coldstart prewarm pull --plain-http 127.0.0.1:5000 127.0.0.1:5000/aigc:v5 --cache /var/lib/coldstart/cache\n"
      "  coldstart prewarm pull REG/aigc:v5 --cache DIR --plan plan.json --layers stable -o json\n"
      "  skopeo copy oci:/tmp/cache:v5 docker-archive:aigc.tar   # the cache is a plain OCI layout");
  set_action(cmd, [&global, f] {
    OutputFormat format = global.format();
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
    std::string table = format == OutputFormat::table ? cluster::render_pull_table(summary, false) : "";
    std::string markdown = format == OutputFormat::markdown ? cluster::render_pull_table(summary, true) : "";
    print_document(format, cluster::pull_summary_to_json(summary), table, markdown);
    return 0;
  });
}

}  // namespace coldstart::cli
