// coldstart bench pull IMAGE: hyperfine for image pulls. Repeated cold (and, with --cache, warm)
// pulls measured phase by phase, optional peers (--vs) on the same image in the same run, a
// baseline gate for CI, and pod_ready_seconds for ahpa recommend --ready-time-from.
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <random>

#include "cli.hpp"
#include "coldstart/cluster/peer_pull.hpp"
#include "coldstart/cluster/pull_report.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/log.hpp"
#include "coldstart/core/units.hpp"
#include "coldstart/image/reference.hpp"

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

// The tag warm samples read from the --cache layout: the image's own tag (as prewarm pull
// records it), or "bench" for a digest reference or a local transport.
std::string cache_tag(const std::string& image) {
  for (const char* t : {"oci:", "oci-archive:", "docker-archive:"})
    if (image.rfind(t, 0) == 0) return "bench";
  const std::string ref = image.rfind("docker://", 0) == 0 ? image.substr(9) : image;
  const auto parsed = image::Reference::parse(ref);
  return parsed.digest.empty() ? parsed.tag : "bench";
}

// One run's sampler: a coldstart pull or a peer.
struct Runner {
  cluster::BenchRun* run;
  std::function<void(cluster::BenchRun&, bool record)> sample;
};

class Progress {
 public:
  Progress(bool enabled, int total) : enabled_(enabled), total_(total) {}
  void step(const std::string& what) {
    if (!enabled_) return;
    ++done_;
    std::fprintf(stderr, "\r\033[K[%d/%d] %s", done_, total_, what.c_str());
    std::fflush(stderr);
  }
  ~Progress() {
    if (enabled_) std::fprintf(stderr, "\r\033[K");
  }

 private:
  bool enabled_;
  int total_;
  int done_ = 0;
};

int run_bench_pull(const BenchPullFlags& f, const GlobalOptions& global) {
  const bool csv = global.output == "csv";
  const OutputFormat format = csv ? OutputFormat::table : global.format();
  if (f.samples < 1) throw UsageError("--samples must be 1 or more");
  if (f.warmup < 0) throw UsageError("--warmup must be 0 or more");
  if (f.jobs < 1) throw UsageError("--jobs must be 1 or more");
  const double startup = parse_duration(f.startup, "--startup-seconds");
  const double tolerance = cluster::parse_tolerance(f.tolerance);

  cluster::PullOptions pull;
  pull.source = global.source_options();
  pull.jobs = f.jobs;
  pull.unpack = !f.no_unpack;
  pull.work_dir = f.work_dir;

  cluster::BenchReport report;
  report.image = f.image;
  report.samples = f.samples;
  report.warmup = f.warmup;
  report.jobs = f.jobs;
  report.unpack = pull.unpack;
  report.shuffle = f.shuffle;
  report.startup_seconds = startup;
  report.runs.reserve(16);  // runners keep pointers into this vector

  std::vector<Runner> runners;
  auto add_coldstart = [&](const std::string& name, const std::string& cache, const std::string& image) {
    report.runs.push_back({name, "coldstart", cache, "coldstart bench pull " + image, std::nullopt, {}, {}});
    runners.push_back({&report.runs.back(), [&pull, image](cluster::BenchRun& run, bool record) {
                         auto sample = cluster::measure_pull(image, pull);
                         if (record) run.samples.push_back(std::move(sample));
                       }});
  };
  add_coldstart("coldstart-cold", "cold", f.image);
  if (!f.cache.empty()) {
    const std::string tag = cache_tag(f.image);
    if (!cluster::layout_has_tag(f.cache, tag)) {
      log::info("filling --cache {} with {} (tag {}) for the warm samples", f.cache, f.image, tag);
      cluster::fill_oci_layout(f.image, pull.source, f.cache, tag);
    }
    add_coldstart("coldstart-warm", "warm", "oci:" + f.cache + ":" + tag);
  }

  // Peers: a containerd only when a ctr peer was asked for.
  std::unique_ptr<cluster::Containerd> containerd;
  std::string containerd_problem;
  const bool wants_ctr = std::any_of(f.vs.begin(), f.vs.end(), [](const std::string& n) { return n == "ctr" || n == "containerd"; });
  if (wants_ctr) {
    try {
      containerd = f.containerd.empty() ? cluster::Containerd::start(f.work_dir) : cluster::Containerd::attach(f.containerd);
    } catch (const Error& e) {
      containerd_problem = e.what();
    }
  }
  cluster::PeerOptions peer_options;
  peer_options.image = f.image;
  peer_options.plain_http = pull.source.plain_http;
  peer_options.insecure = pull.source.insecure;
  peer_options.platform = global.platform;
  peer_options.work_dir = f.work_dir;
  peer_options.self_exe = std::filesystem::read_symlink("/proc/self/exe");
  for (const auto& h : global.plain_http) peer_options.self_global_args.insert(peer_options.self_global_args.end(), {"--plain-http", h});
  for (const auto& h : global.insecure) peer_options.self_global_args.insert(peer_options.self_global_args.end(), {"--insecure", h});
  peer_options.self_global_args.insert(peer_options.self_global_args.end(), {"--platform", global.platform, "--quiet"});
  peer_options.containerd = containerd.get();
  auto peers = cluster::make_peers(f.vs, peer_options);
  for (auto& peer : peers) {
    report.runs.push_back({peer->name(), peer->name().rfind("ctr", 0) == 0 ? "ctr" : peer->name(),
                           peer->name() == "ctr-pull-prewarmed" ? "prewarmed" : "cold", peer->command(),
                           peer->unavailable(), {}, {}});
    cluster::BenchRun& run = report.runs.back();
    if (run.note && !containerd_problem.empty() && run.tool == "ctr" && !containerd)
      run.note = "no containerd: " + containerd_problem;
    if (run.note) continue;
    runners.push_back({&run, [p = peer.get()](cluster::BenchRun& r, bool record) {
                         if (r.note) return;
                         try {
                           const double seconds = p->run_sample();
                           if (record) r.peer_seconds.push_back(seconds);
                         } catch (const Error& e) {
                           r.note = std::string("failed: ") + e.what();
                           r.peer_seconds.clear();
                         }
                       }});
  }

  // Warm-ups first, per run; then the samples, interleaved in random order with --shuffle so
  // drift (network, page cache, a neighbour's load) does not favour one run.
  std::vector<std::size_t> schedule;
  for (int i = 0; i < f.samples; ++i)
    for (std::size_t r = 0; r < runners.size(); ++r) schedule.push_back(r);
  if (f.shuffle) std::shuffle(schedule.begin(), schedule.end(), std::mt19937(std::random_device{}()));
  {
    Progress progress(::isatty(2) && !global.quiet, static_cast<int>(runners.size()) * f.warmup + static_cast<int>(schedule.size()));
    for (auto& runner : runners)
      for (int i = 0; i < f.warmup; ++i) {
        progress.step(runner.run->name + " warm-up");
        runner.sample(*runner.run, false);
      }
    for (std::size_t r : schedule) {
      progress.step(runners[r].run->name + " sample");
      runners[r].sample(*runners[r].run, true);
    }
  }
  for (auto& run : report.runs)
    if (run.note) {
      run.samples.clear();
      run.peer_seconds.clear();
    }

  if (!f.baseline.empty()) report.baseline = cluster::check_baseline(report, f.baseline, tolerance);

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
                                 report.baseline->baseline_p50, tolerance * 100));
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
