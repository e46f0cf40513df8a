#include "coldstart/predict/ready_time.hpp"

#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "coldstart/core/error.hpp"
#include "coldstart/predict/forecast.hpp"
#include "coldstart/predict/prometheus.hpp"

namespace coldstart::predict {
namespace {

std::string escape_label_value(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string target_pod_regex(const PolicyOptions& policy) {
  std::string name;
  for (char c : policy.target_name) {  // a DNS name; escape anything regex-special all the same
    if (std::string_view(".+*?()[]{}|^$\\").find(c) != std::string_view::npos) name += '\\';
    name += c;
  }
  if (policy.target_kind == "Deployment") return name + "-[a-z0-9]{1,10}-[a-z0-9]{5}";
  if (policy.target_kind == "StatefulSet") return name + "-[0-9]+";
  return name + "-[a-z0-9-]+";
}

ReadyTimeResult ready_time_from_prometheus(const ReadyTimeQuery& rq) {
  std::string selector = fmt::format("pod=~\"{}\"", escape_label_value(rq.pod_regex));
  if (!rq.namespace_name.empty()) selector = fmt::format("namespace=\"{}\",{}", escape_label_value(rq.namespace_name), selector);
  const auto range = fmt::format("{}s", static_cast<long long>(std::llround(rq.range_seconds)));
  ReadyTimeResult r;
  // Per pod: its first ready time (a pod that turns unready and ready again moves the gauge
  // later) minus its creation time. uid keeps a recreated StatefulSet pod apart from its namesake.
  r.promql = fmt::format(
      "min by (namespace, pod, uid) (min_over_time(kube_pod_status_ready_time{{{0}}}[{1}])) - on (namespace, pod, uid) "
      "max by (namespace, pod, uid) (max_over_time(kube_pod_created{{{0}}}[{1}]))",
      selector, range);
  PrometheusQuery q;
  set_prometheus_connection(rq.connection, q);
  q.query = r.promql;
  q.start = q.end = rq.end;
  q.step = 60;
  std::vector<LabeledPoints> series;
  try {
    series = fetch_query_range(q);
  } catch (const Error& e) {
    // An empty answer is "no pods", not a failure; anything else is.
    if (std::string(e.what()).find("returned no series") == std::string::npos) throw;
  }
  std::vector<double> seconds;
  for (const auto& s : series)
    for (const auto& p : s.points)
      if (std::isfinite(p.value) && p.value > 0) seconds.push_back(p.value);
  r.pods = seconds.size();
  if (!seconds.empty()) r.seconds = quantile(seconds, rq.quantile);
  r.enough = r.pods >= rq.min_pods && r.pods > 0;
  return r;
}

}  // namespace coldstart::predict
