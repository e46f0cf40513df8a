// The entry point of `coldstart bench pull`: the cold (and warm, with a cache) coldstart runs and
// the --vs peers, warm-ups then samples (interleaved at random with shuffle), the baseline check.
#pragma once
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "coldstart/cluster/peer_pull.hpp"
#include "coldstart/cluster/pull_bench.hpp"
#include "coldstart/cluster/pull_bench_report.hpp"

namespace coldstart::cluster {

struct BenchPullRequest {
  std::string image;
  PullBenchOptions pull;                     // source options, jobs, unpack, work dir, fetcher
  int samples = 5;
  int warmup = 1;
  bool shuffle = false;
  std::filesystem::path cache;          // OCI layout for warm samples; empty: cold only
  std::vector<std::string> vs;          // skopeo, ctr, containerd
  std::string containerd_socket;        // empty: start a private containerd (root only) when needed
  std::string platform = "linux/amd64";
  std::filesystem::path self_exe;       // coldstart itself, for prewarm pull --import
  std::vector<std::string> self_global_args;
  double startup_seconds = 0;
  std::optional<std::filesystem::path> baseline;
  double tolerance = 0.10;
  // Called before every warm-up and sample: what runs next, how many are done, how many in all.
  std::function<void(const std::string& what, int done, int total)> progress;
};

// Runs the benchmark. Throws Error when a coldstart sample fails (a failing peer becomes a note).
BenchReport bench_pull(const BenchPullRequest& request);

// The tag warm samples read from the cache layout: the image's own tag (as prewarm pull records
// it), or "bench" for a digest reference or a local transport.
std::string cache_tag(const std::string& image);

}  // namespace coldstart::cluster
