#include "coldstart/predict/policy.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

#include "coldstart/core/error.hpp"
#include "coldstart/core/file.hpp"
#include "coldstart/predict/forecast.hpp"

namespace coldstart::predict {

int replicas_for(double demand, const PolicyOptions& p) {
  double n = std::isfinite(demand) && demand > 0 ? std::ceil(demand / p.capacity_per_pod - 1e-9) : 0;
  n = std::min(n, 1e9);
  return std::clamp(static_cast<int>(n), p.min_replicas, std::max(p.min_replicas, p.max_replicas));
}

void complete_policy(PolicyOptions& p, const std::vector<double>& history) {
  if (p.min_replicas < 0) throw UsageError(fmt::format("--min {} is negative", p.min_replicas), "use 0 or more");
  if (p.quantile < 0.5 || p.quantile > 1)
    throw UsageError(fmt::format("--quantile {} is outside 50..100", p.quantile * 100), "use a percentage such as 95");
  if (!(p.ready_time_seconds >= 0)) throw UsageError("the ready time must be 0 s or more");
  if (p.capacity_per_pod < 0) throw UsageError("--capacity-per-pod must be positive");
  if (p.capacity_per_pod == 0) {
    double p95 = quantile(history, 0.95);
    if (!(p95 > 0)) throw Error("cannot derive a capacity per pod: the series has no positive values", "pass --capacity-per-pod");
    p.capacity_per_pod = p95 / 10;  // about 10 pods at the usual peak
  }
  if (p.max_replicas == 0) {
    double peak = quantile(history, 1.0);
    p.max_replicas = std::max(p.min_replicas + 1, static_cast<int>(std::ceil(1.5 * std::max(0.0, peak) / p.capacity_per_pod)));
  }
  if (p.max_replicas < 1) throw UsageError("--max must be at least 1");
  if (p.min_replicas > p.max_replicas)
    throw UsageError(fmt::format("--min {} is above --max {}", p.min_replicas, p.max_replicas), "raise --max or lower --min");
}

double read_ready_time_file(const std::filesystem::path& path) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(read_file(path, 16 << 20));
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: not valid JSON: {}", path.string(), e.what()),
                "--ready-time-from expects a JSON object such as {\"pod_ready_seconds\": 183.2}");
  }
  if (!doc.is_object() || !doc.contains("pod_ready_seconds") || !doc["pod_ready_seconds"].is_number())
    throw Error(fmt::format("{}: no numeric \"pod_ready_seconds\" field", path.string()),
                "--ready-time-from expects {\"pod_ready_seconds\": 183.2}, or use --ready-time 180s");
  double seconds = doc["pod_ready_seconds"].get<double>();
  if (!(seconds >= 0) || seconds > 86400)
    throw Error(fmt::format("{}: pod_ready_seconds {} is not between 0 and 86400", path.string(), seconds));
  return seconds;
}

void parse_target(const std::string& text, PolicyOptions& p) {
  auto slash = text.find('/');
  std::string kind = slash == std::string::npos ? "Deployment" : text.substr(0, slash);
  std::string name = slash == std::string::npos ? text : text.substr(slash + 1);
  static const char* kinds[] = {"Deployment", "StatefulSet", "ReplicaSet", "CloneSet"};
  bool known = std::any_of(std::begin(kinds), std::end(kinds), [&](const char* k) { return kind == k; });
  bool valid_name = !name.empty() && name.size() <= 253 &&
                    std::all_of(name.begin(), name.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.'; });
  if (!known || !valid_name)
    throw UsageError(fmt::format("--target '{}' is not KIND/NAME", text),
                     "use e.g. Deployment/my-model (kinds: Deployment, StatefulSet, ReplicaSet, CloneSet; lowercase name)");
  p.target_kind = kind;
  p.target_name = name;
}

}  // namespace coldstart::predict
