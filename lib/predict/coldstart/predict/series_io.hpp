// The one entry point the commands use to get a cleaned Series from wherever the metrics are:
// a CSV file, a Prometheus query_range JSON export, standard input, or a live Prometheus.
#pragma once
#include <string>
#include <vector>

#include "coldstart/predict/clean.hpp"
#include "coldstart/predict/prometheus.hpp"
#include "coldstart/predict/series.hpp"

namespace coldstart::predict {

// Mirrors the command-line flags (see docs/metrics-input.md):
//   FILE | -                       file          (CSV or Prometheus JSON, detected from content)
//   --input-format auto|csv|prometheus-json  format
//   --time-column, --value-column  time_column, value_column   (CSV: name or 0-based index)
//   --by LABEL, --series VALUE     by, series    (Prometheus: one series per label value)
//   --prometheus URL --query PROMQL --range 14d --step 60s --end TIME
//   --bearer-token-file FILE, --username/--password          (live Prometheus auth)
//   --max-gap-fill N, --outlier-k K                           (cleaning)
// Exactly one of `file` and `prometheus_url` must be set (UsageError otherwise).
struct MetricsInput {
  std::string file;                 // path, or "-" for standard input
  std::string format = "auto";      // auto | csv | prometheus-json
  std::string time_column, value_column;
  std::string by;                   // group Prometheus series by this label instead of summing all
  std::string series;               // with `by`: the label value to use (required if several)
  std::string prometheus_url, query;
  double range_seconds = 14 * 86400.0;  // live: how much history, ending at `end`
  double step_seconds = 0;          // live: query step (0 = 60 s); all: output step (0 = inferred)
  std::string end;                  // live: "now" (default when empty), unix seconds or ISO 8601
  std::string bearer_token_file;    // live: file holding a bearer token (trimmed)
  std::string username, password;   // live: basic auth
  double timeout_seconds = 60;      // live: per HTTP request, retries included
  std::string ca_cert;              // live: extra CA bundle (--ca-cert)
  bool insecure_tls = false;        // live: the server is listed in --insecure
  CleaningOptions cleaning;         // cleaning.step is overridden by step_seconds when that is > 0
  bool log_reads = true;            // false: no info lines per read (ahpa serve reads every tick)
};

struct LoadedSeries {
  Series series;                    // cleaned, fixed step; name = file stem, query, or LABEL=VALUE
  CleaningReport report;
  std::string source;               // "FILE (csv)", "stdin (prometheus-json)", "URL query=..." for messages
  std::vector<std::string> available_series;  // with `by`: every label value found, sorted
};

// Reads, combines and cleans. Throws UsageError for contradictory flags, Error for unreadable or
// malformed input (with the file name and line number for CSV), and, with `by` but no `series`
// while several values exist, Error listing the values to pass as --series.
LoadedSeries load_metrics(const MetricsInput& input);

// The connection half of a Prometheus query from the input flags: URL, auth (the bearer token
// file is read here; Error when it is empty), TLS and timeout. Query and bounds are the caller's.
void set_prometheus_connection(const MetricsInput& input, PrometheusQuery& query);

}  // namespace coldstart::predict
