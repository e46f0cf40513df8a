// What `bench pull` reports (prewarm pull's summary is pull_report.hpp): per run (coldstart cold, coldstart warm, each --vs peer) the samples,
// their per-phase statistics, throughputs, and the regression check against a baseline JSON.
// The JSON schema is documented in docs/bench.md (schema_version 1).
#pragma once
#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "coldstart/cluster/pull_bench.hpp"

namespace coldstart::cluster {

struct BenchRun {
  std::string name;     // "coldstart-cold", "coldstart-warm", "skopeo", "ctr-fetch", "ctr-pull", ...
  std::string tool;     // "coldstart" or the peer's program
  std::string cache;    // "cold" | "warm" | "prewarmed"
  std::string command;  // what was run
  std::optional<std::string> note;  // why this run has no numbers (peer not installed, failed)
  std::vector<PullSample> samples;  // coldstart runs: every phase
  std::vector<double> peer_seconds;  // peers: total wall time only
  bool has_phases() const { return tool == "coldstart"; }
  std::vector<double> totals() const;
};

struct BaselineCheck {
  std::string file;
  double tolerance = 0.10;  // 0.10 = 10 %
  double baseline_mean = 0, baseline_p50 = 0;
  double mean = 0, p50 = 0;
  bool regressed = false;
};

struct BenchReport {
  std::string image;
  int samples = 0;
  int warmup = 0;
  int jobs = 0;
  bool unpack = true;
  bool shuffle = false;
  double startup_seconds = 0;
  std::vector<BenchRun> runs;
  std::optional<BaselineCheck> baseline;
};

// The pod ready time for `ahpa recommend --ready-time-from`: p90 of the cold coldstart pull total
// plus --startup-seconds (p90, not the mean: scaling ahead too little leaves requests waiting).
double pod_ready_seconds(const BenchReport& report);

nlohmann::ordered_json report_json(const BenchReport& report);
std::string report_table(const BenchReport& report, bool markdown);
// One row per run and phase; seconds as plain numbers, header line first.
std::string report_csv(const BenchReport& report);

// "10%" or "10" -> 0.10; throws UsageError otherwise.
double parse_tolerance(const std::string& text);

// Compares the cold coldstart total against the same run in a previous `bench pull -o json`:
// regressed when its mean or its p50 exceeds the baseline's by more than the tolerance.
// Throws Error on an unreadable baseline.
BaselineCheck check_baseline(const BenchReport& report, const std::filesystem::path& file, double tolerance);

}  // namespace coldstart::cluster
