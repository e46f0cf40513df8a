// The pod ready time learned from the cluster's own history instead of typed in: kube-state-metrics'
// kube_pod_status_ready_time minus kube_pod_created for the target's pods, a quantile over a range.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "coldstart/predict/policy.hpp"
#include "coldstart/predict/series_io.hpp"

namespace coldstart::predict {

struct ReadyTimeQuery {
  MetricsInput connection;         // prometheus_url and auth flags (query, range, step unused)
  std::string namespace_name;      // "" = every namespace
  std::string pod_regex;           // the target's pods (see target_pod_regex)
  double range_seconds = 14 * 86400;  // pods seen during this range, ending at `end`
  std::int64_t end = 0;            // unix seconds
  double quantile = 0.95;
  std::size_t min_pods = 5;        // fewer pods: no answer (the caller falls back)
};

struct ReadyTimeResult {
  bool enough = false;             // pods >= min_pods
  double seconds = 0;              // the quantile (when any pod was seen)
  std::size_t pods = 0;            // pods with both series and a positive ready time
  std::string promql;              // the query sent, for messages
};

// The pods a workload owns, by name: Deployment NAME-<template hash>-<5>, StatefulSet NAME-<ordinal>,
// anything else NAME-<suffix>. PromQL regexes are anchored, so NAME-canary-... does not match NAME.
std::string target_pod_regex(const PolicyOptions& policy);

// Runs one instant query (min ready time and max created time per pod over the range). Throws
// Error when Prometheus fails or answers something else; too few pods is not an error.
ReadyTimeResult ready_time_from_prometheus(const ReadyTimeQuery& query);

}  // namespace coldstart::predict
