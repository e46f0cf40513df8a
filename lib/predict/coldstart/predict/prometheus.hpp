// Prometheus range queries: parsing query_range JSON (exported files or live answers) and
// fetching them from a live server over HTTP.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "coldstart/predict/series.hpp"

namespace coldstart::predict {

// One series of a matrix result: its labels (including __name__ when present) and samples.
// "NaN", "+Inf", "-Inf" values are kept as NaN / ±infinity (clean_points drops them).
struct LabeledPoints {
  std::map<std::string, std::string> labels;
  std::vector<Point> points;
};

// Parses `{"status":"success","data":{"resultType":"matrix","result":[...]}}` (also a "vector"
// result, taken as one sample per series). Throws Error naming `source`: the errorType/error of a
// "status":"error" answer, malformed JSON, or another result type.
std::vector<LabeledPoints> parse_query_range(std::string_view json_text, const std::string& source);

// Several series -> one: the per-timestamp sum over series with a finite value there
// (like PromQL sum()); a timestamp where none is finite stays NaN.
std::vector<Point> sum_series(const std::vector<LabeledPoints>& series);

// Groups series by the value of `label` (series without it go under ""), each group summed.
std::map<std::string, std::vector<Point>> group_by_label(const std::vector<LabeledPoints>& series,
                                                         const std::string& label);

struct PrometheusQuery {
  std::string url;                // base URL, e.g. http://127.0.0.1:9090 (a path prefix is kept)
  std::string query;              // PromQL
  std::int64_t start = 0, end = 0;  // unix seconds, inclusive
  std::int64_t step = 60;         // seconds
  std::string bearer_token;       // sent as Authorization: Bearer (never logged)
  std::string username, password; // basic auth when username is set (never logged)
  double timeout_seconds = 60;    // per HTTP request, retries included (a total deadline)
  bool verify_tls = true;         // false with --insecure HOST:PORT of this server
  std::string ca_cert;            // --ca-cert: extra CA bundle (PEM)
  int max_retries = 4;            // transient failures (connection, 429, 5xx) are retried
  std::size_t max_body_bytes = 256u << 20;  // cap on one (decoded) answer
  std::size_t max_points_per_request = 10000;  // Prometheus refuses > 11000 points per series
};

// POSTs /api/v1/query_range through coldstart's one HTTP client (core/http.hpp) in chunks of at most max_points_per_request steps and merges the
// chunks per label set. Throws Error: connection failures (with the URL), HTTP errors with the
// Prometheus error message, auth failures (pointing at the auth flags), an empty result.
std::vector<LabeledPoints> fetch_query_range(const PrometheusQuery& query);

}  // namespace coldstart::predict
