// coldstart bench pull IMAGE: hyperfine for image pulls. Repeated cold (and, with --cache, warm)
// pulls measured phase by phase, optional peers (--vs) on the same image in the same run, a
// baseline gate for CI, and pod_ready_seconds for ahpa recommend --ready-time-from.
#include <unistd.h>

#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include "cli.hpp"
#include "coldstart/cluster/bench_pull.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/log.hpp"
#include "coldstart/core/units.hpp"

namespace coldstart::cli {
namespace {

struct BenchPullFlags {
  std::string image;
  int samples = 5;
  int warmup = 1;
  bool shuffle = false;
  std::string cache;
  int jobs = 4;
  bool no_unpack = false;
  std::string startup = "0";
  std::string baseline;
  std::string tolerance = "10%";
  std::vector<std::string> vs;
  std::string containerd;
  std::string work_dir;
};

class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled) {}
  void show(const std::string& what, int done, int total) {
    if (!enabled_) return;
    std::fprintf(stderr, "\r\033[K[%d/%d] %s", done + 1, total, what.c_str());
    std::fflush(stderr);
  }
  ~Progress() {
    if (enabled_) std::fprintf(stderr, "\r\033[K");
  }

 private:
  bool enabled_;
};

int run_bench_pull(const BenchPullFlags& f, const GlobalOptions& global) {
  const bool csv = global.output == "csv";
  const OutputFormat format = csv ? OutputFormat::table : global.format();

  cluster::BenchPullRequest q;
  q.image = f.image;
  q.pull.source = global.source_options();
  q.pull.jobs = f.jobs;
  q.pull.unpack = !f.no_unpack;
  q.pull.work_dir = f.work_dir;
  q.samples = f.samples;
  q.warmup = f.warmup;
  q.shuffle = f.shuffle;
  q.cache = f.cache;
  q.vs = f.vs;
  q.containerd_socket = f.containerd;
  q.platform = global.platform;
  q.startup_seconds = parse_duration(f.startup, "--startup-seconds");
  q.tolerance = cluster::parse_tolerance(f.tolerance);
  if (!f.baseline.empty()) q.baseline = f.baseline;
  // prewarm pull --import runs as a child of this very binary, with the same registry flags.
  q.self_exe = std::filesystem::read_symlink("/proc/self/exe");
  for (const auto& h : global.plain_http) q.self_global_args.insert(q.self_global_args.end(), {"--plain-http", h});
  for (const auto& h : global.insecure) q.self_global_args.insert(q.self_global_args.end(), {"--insecure", h});
  q.self_global_args.insert(q.self_global_args.end(), {"--platform", global.platform, "--quiet"});

  cluster::BenchReport report;
  {
    Progress progress(::isatty(2) && !global.quiet);
    q.progress = [&progress](const std::string& what, int done, int total) { progress.show(what, done, total); };
    report = cluster::bench_pull(q);
  }

  if (csv) {
    std::fputs(cluster::report_csv(report).c_str(), stdout);
  } else {
    print_document(format, cluster::report_json(report),
                   format == OutputFormat::table ? cluster::report_table(report, false) : "",
                   format == OutputFormat::markdown ? cluster::report_table(report, true) : "");
  }
  std::fflush(stdout);
  if (report.baseline && report.baseline->regressed)
    throw GateFailed(fmt::format("bench pull regressed against {}: total mean {:.3f}s (baseline {:.3f}s), p50 {:.3f}s "
                                 "(baseline {:.3f}s), tolerance {:.0f}%",
                                 f.baseline, report.baseline->mean, report.baseline->baseline_mean, report.baseline->p50,
                                 report.baseline->baseline_p50, q.tolerance * 100));
  return 0;
}

}  // namespace

void register_bench_pull(CLI::App& bench, GlobalOptions& global) {
  auto f = std::make_shared<BenchPullFlags>();
  auto* cmd = bench.add_subcommand("pull", "Time an image pull phase by phase (resolve, config, fetch, unpack), with percentiles");
  cmd->add_option("IMAGE", f->image, "docker://REF or REF, oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:REF]")
      ->required();
  cmd->add_option("--samples", f->samples, "Measured pulls per run (default 5)")->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  cmd->add_option("--warmup", f->warmup, "Unmeasured pulls per run before the samples (default 1)")->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  cmd->add_flag("--shuffle", f->shuffle, "Interleave the samples of all runs in random order");
  cmd->add_option("--cache", f->cache, "OCI layout for warm samples (filled from IMAGE when it lacks the tag)");
  cmd->add_option("--jobs", f->jobs, "Layers fetched in parallel (default 4)");
  cmd->add_flag("--no-unpack", f->no_unpack, "Fetch only: skip decompressing and writing the rootfs");
  cmd->add_option("--startup-seconds", f->startup, "The app's own start (e.g. 40s), added to pod_ready_seconds");
  cmd->add_option("--baseline", f->baseline, "Previous bench pull -o json: exit 3 when the cold total regressed")
      ->check(CLI::ExistingFile);
  cmd->add_option("--tolerance", f->tolerance, "Allowed slowdown against --baseline (default 10%)");
  cmd->add_option("--vs", f->vs, "Peers to run side by side: skopeo, ctr, containerd (comma-separated)")
      ->delimiter(',');
  cmd->add_option("--containerd", f->containerd, "containerd socket for the ctr peers (default: start a private one, root only)");
  cmd->add_option("--work-dir", f->work_dir, "Where sample blobs and rootfs go (default $TMPDIR)");
  cmd->footer(
      "Output: -o table (default), json, csv or markdown. Exit 3 when --baseline regressed.\n"
      "Examples:\n"
      "  coldstart bench pull oci:examples/images/aigc:v5 --samples 3\n"
      "  coldstart bench pull --plain-http 127.0.0.1:5000 127.0.0.1:5000/aigc/sd:v3 --vs skopeo,ctr,containerd\n"
      "  coldstart bench pull REF -o json --startup-seconds 40 > pull.json   # then ahpa recommend --ready-time-from pull.json\n"
      "  coldstart bench pull REF --baseline pull.json --tolerance 10%");
  set_action(cmd, [&global, f] { return run_bench_pull(*f, global); });
}

}  // namespace coldstart::cli
