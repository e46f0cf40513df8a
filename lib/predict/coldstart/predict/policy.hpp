// Replica policy: how many pods a forecast demand needs, within the user's bounds, and where the
// ready time (scaleUpForward) comes from.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace coldstart::predict {

struct PolicyOptions {
  double capacity_per_pod = 0;     // demand one ready pod serves (0 = derive: p95 of history / 10)
  int min_replicas = 1;
  int max_replicas = 0;            // 0 = derive: 1.5 × peak demand / capacity
  double ready_time_seconds = 180; // pod ready time = how far ahead to scale (scaleUpForward)
  double quantile = 0.95;          // forecast quantile the replicas cover (0.5..1)
  std::string target_kind = "Deployment", target_name = "app";
  std::string metric = "requests_per_second";  // "cpu"/"memory": Resource utilisation; else Pods metric
};

// ceil(demand / capacity) clamped to [min, max].
int replicas_for(double demand, const PolicyOptions& policy);

// Fills capacity_per_pod and max_replicas when they are 0, from the history's values.
// Throws UsageError when the bounds contradict each other (min > max, capacity <= 0).
void complete_policy(PolicyOptions& policy, const std::vector<double>& history);

// Reads the pod ready time from a JSON file: {"pod_ready_seconds": 183.2} (a positive number of
// seconds, as a pull benchmark writes it). Throws Error naming the file and the field.
double read_ready_time_file(const std::filesystem::path& path);

// "Deployment/NAME" (or "StatefulSet/NAME", or just NAME for a Deployment); throws UsageError.
void parse_target(const std::string& text, PolicyOptions& policy);

}  // namespace coldstart::predict
