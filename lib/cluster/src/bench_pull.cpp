#include "coldstart/cluster/bench_pull.hpp"

#include <algorithm>
#include <random>

#include "coldstart/core/error.hpp"
#include "coldstart/core/log.hpp"
#include "coldstart/image/reference.hpp"

namespace coldstart::cluster {
namespace {

// One run's sampler: a coldstart pull or a peer. `record` is false for warm-ups.
struct Runner {
  std::size_t run;
  std::function<void(BenchRun&, bool record)> sample;
};

}  // namespace

std::string cache_tag(const std::string& image) {
  for (const char* t : {"oci:", "oci-archive:", "docker-archive:"})
    if (image.rfind(t, 0) == 0) return "bench";
  const std::string ref = image.rfind("docker://", 0) == 0 ? image.substr(9) : image;
  const auto parsed = image::Reference::parse(ref);
  return parsed.digest.empty() ? parsed.tag : "bench";
}

BenchReport bench_pull(const BenchPullRequest& q) {
  if (q.samples < 1) throw UsageError("--samples must be 1 or more");
  if (q.warmup < 0) throw UsageError("--warmup must be 0 or more");
  if (q.pull.jobs < 1) throw UsageError("--jobs must be 1 or more");

  BenchReport report;
  report.image = q.image;
  report.samples = q.samples;
  report.warmup = q.warmup;
  report.jobs = q.pull.jobs;
  report.unpack = q.pull.unpack;
  report.shuffle = q.shuffle;
  report.startup_seconds = q.startup_seconds;

  std::vector<Runner> runners;
  auto add_coldstart = [&](const std::string& name, const std::string& cache, const std::string& image) {
    report.runs.push_back({name, "coldstart", cache, "coldstart bench pull " + image, std::nullopt, {}, {}});
    runners.push_back({report.runs.size() - 1, [&q, image](BenchRun& run, bool record) {
                         auto sample = measure_pull(image, q.pull);
                         if (record) run.samples.push_back(std::move(sample));
                       }});
  };
  add_coldstart("coldstart-cold", "cold", q.image);
  if (!q.cache.empty()) {
    const std::string tag = cache_tag(q.image);
    if (!layout_has_tag(q.cache, tag)) {
      log::info("filling --cache {} with {} (tag {}) for the warm samples", q.cache.string(), q.image, tag);
      fill_oci_layout(q.image, q.pull.source, q.cache, tag);
    }
    add_coldstart("coldstart-warm", "warm", "oci:" + q.cache.string() + ":" + tag);
  }

  // A containerd only when a ctr peer was asked for; when none can be had the ctr rows say why.
  std::unique_ptr<Containerd> containerd;
  std::string containerd_problem;
  if (std::any_of(q.vs.begin(), q.vs.end(), [](const std::string& n) { return n == "ctr" || n == "containerd"; })) {
    try {
      containerd = q.containerd_socket.empty() ? Containerd::start(q.pull.work_dir) : Containerd::attach(q.containerd_socket);
    } catch (const Error& e) {
      containerd_problem = e.what();
    }
  }
  PeerOptions peer_options;
  peer_options.image = q.image;
  peer_options.plain_http = q.pull.source.plain_http;
  peer_options.insecure = q.pull.source.insecure;
  peer_options.platform = q.platform;
  peer_options.work_dir = q.pull.work_dir;
  peer_options.self_exe = q.self_exe;
  peer_options.self_global_args = q.self_global_args;
  peer_options.containerd = containerd.get();
  auto peers = make_peers(q.vs, peer_options);
  for (auto& peer : peers) {
    const std::string name = peer->name();
    report.runs.push_back({name, name.rfind("ctr", 0) == 0 ? "ctr" : name,
                           name == "ctr-pull-prewarmed" ? "prewarmed" : "cold", peer->command(), peer->unavailable(), {}, {}});
    BenchRun& run = report.runs.back();
    if (run.note && run.tool == "ctr" && !containerd && !containerd_problem.empty())
      run.note = "no containerd: " + containerd_problem;
    if (run.note) continue;
    runners.push_back({report.runs.size() - 1, [p = peer.get()](BenchRun& r, bool record) {
                         if (r.note) return;
                         try {
                           const double seconds = p->run_sample();
                           if (record) r.peer_seconds.push_back(seconds);
                         } catch (const Error& e) {
                           r.note = std::string("failed: ") + e.what();
                         }
                       }});
  }

  // Warm-ups first, per run; then the samples, round-robin or, with shuffle, in random order so
  // drift (network, page cache, a neighbour's load) does not favour one run.
  std::vector<std::size_t> schedule;
  for (int i = 0; i < q.samples; ++i)
    for (std::size_t r = 0; r < runners.size(); ++r) schedule.push_back(r);
  if (q.shuffle) std::shuffle(schedule.begin(), schedule.end(), std::mt19937(std::random_device{}()));
  const int total = static_cast<int>(runners.size()) * q.warmup + static_cast<int>(schedule.size());
  int done = 0;
  auto step = [&](const Runner& runner, bool record) {
    BenchRun& run = report.runs[runner.run];
    if (q.progress) q.progress(run.name + (record ? " sample" : " warm-up"), done, total);
    runner.sample(run, record);
    ++done;
  };
  for (const auto& runner : runners)
    for (int i = 0; i < q.warmup; ++i) step(runner, false);
  for (std::size_t r : schedule) step(runners[r], true);
  for (auto& run : report.runs)
    if (run.note) {
      run.samples.clear();
      run.peer_seconds.clear();
    }

  if (q.baseline) report.baseline = check_baseline(report, *q.baseline, q.tolerance);
  return report;
}

}  // namespace coldstart::cluster
