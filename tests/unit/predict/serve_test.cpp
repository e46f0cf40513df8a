// What `ahpa serve` exposes (Prometheus text, the KEDA JSON), the keda-serve documents, and the
// pod names --ready-time-from-prometheus counts. The live service is tested against a real
// Prometheus in tests/integration/ahpa_serve.sh.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <regex>

#include "coldstart/predict/emit.hpp"
#include "coldstart/predict/forecast_service.hpp"
#include "coldstart/predict/ready_time.hpp"

using namespace coldstart::predict;

namespace {

ServeState forecasting() {
  ServeState s;
  s.mode = ServeMode::forecast;
  s.has_value = s.has_sample = s.has_forecast = true;
  s.value = 412.5;
  s.replicas = 21;
  s.current = 380;
  s.sample_time = 1700000000;
  s.median = 390;
  s.upper = 405;
  s.period_seconds = 86400;
  s.policy.capacity_per_pod = 20;
  s.policy.ready_time_seconds = 180;
  s.last_refit = 1699999000;
  s.last_refit_ok = true;
  return s;
}

}  // namespace

TEST_CASE("serve: /metrics holds the forecast band, replicas, period, refit time and one mode") {
  const std::string text = service_metrics_text(forecasting());
  CHECK(text.find("coldstart_ahpa_predicted_demand{quantile=\"0.5\"} 390\n") != std::string::npos);
  CHECK(text.find("coldstart_ahpa_predicted_demand{quantile=\"0.95\"} 405\n") != std::string::npos);
  CHECK(text.find("coldstart_ahpa_recommended_replicas 21\n") != std::string::npos);
  CHECK(text.find("coldstart_ahpa_period_seconds 86400\n") != std::string::npos);
  CHECK(text.find("coldstart_ahpa_last_refit_timestamp_seconds 1699999000\n") != std::string::npos);
  CHECK(text.find("coldstart_ahpa_mode{mode=\"forecast\"} 1\n") != std::string::npos);
  CHECK(text.find("coldstart_ahpa_mode{mode=\"reactive\"} 0\n") != std::string::npos);
  // Every sample line belongs to a family declared with a TYPE line.
  std::regex sample(R"(^([a-z_]+)(\{[^}]*\})? [-0-9.e+]+$)");
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# ", 0) == 0) continue;
    std::smatch m;
    REQUIRE_MESSAGE(std::regex_match(line, m, sample), line);
    CHECK(text.find("# TYPE " + m[1].str() + " ") != std::string::npos);
  }
}

TEST_CASE("serve: nothing justified -> no demand metric and a null value for KEDA") {
  ServeState s;
  s.mode = ServeMode::unavailable;
  s.reason = "Prometheus failed";
  const std::string text = service_metrics_text(s);
  CHECK(text.find("coldstart_ahpa_desired_demand") == std::string::npos);
  CHECK(text.find("coldstart_ahpa_predicted_demand") == std::string::npos);
  CHECK(text.find("coldstart_ahpa_mode{mode=\"unavailable\"} 1\n") != std::string::npos);
  auto j = nlohmann::json::parse(service_forecast_json(s));
  CHECK(j["value"].is_null());
  CHECK(j["mode"] == "unavailable");
}

TEST_CASE("serve: the JSON puts the demand at valueLocation 'value'") {
  auto j = nlohmann::json::parse(service_forecast_json(forecasting()));
  CHECK(j["value"] == 412.5);
  CHECK(j["replicas"] == 21);
  CHECK(j["forecast"]["upper"] == 405);
  CHECK(j["mode"] == "forecast");
}

TEST_CASE("keda-serve: the trigger points at the Service the Deployment backs, target = capacity") {
  Recommendation rec;
  rec.strategy = "auto";
  rec.step = 60;
  rec.policy.capacity_per_pod = 50;
  rec.policy.max_replicas = 12;
  rec.policy.target_name = "sd";
  rec.forecast = {{0, 10, 20, 3}, {60, 10, 30, 7}};
  EmitOptions o;
  o.namespace_name = "ml";
  o.image = "registry.example/coldstart:1.2";
  o.prometheus_url = "http://prom:9090";
  o.query = "sum(rate(x[1m]))";
  auto docs = emit_manifest(rec, parse_manifest_format("keda-serve"), o);
  REQUIRE(docs.size() == 3);
  const auto& trigger = docs[0]["spec"]["triggers"][0];
  CHECK(trigger["type"] == "metrics-api");
  CHECK(trigger["metadata"]["url"] == "http://sd-ahpa-serve.ml.svc:8080/forecast");
  CHECK(trigger["metadata"]["valueLocation"] == "value");
  CHECK(trigger["metadata"]["targetValue"] == "50");
  CHECK(docs[0]["spec"]["fallback"]["replicas"] == 7);  // the forecast's peak
  const auto& c = docs[1]["spec"]["template"]["spec"]["containers"][0];
  CHECK(c["image"] == "registry.example/coldstart:1.2");
  std::vector<std::string> cmd = c["command"];
  CHECK(cmd[2] == "serve");
  CHECK(std::find(cmd.begin(), cmd.end(), "sum(rate(x[1m]))") != cmd.end());
  CHECK(std::find(cmd.begin(), cmd.end(), "14d") != cmd.end());
  CHECK(docs[2]["metadata"]["name"] == "sd-ahpa-serve");
  CHECK(docs[2]["spec"]["selector"] == docs[1]["spec"]["selector"]["matchLabels"]);
  // The behaviour the backtest replays for keda-serve: any excess scales up, scale-down waits the hold.
  const auto& behavior = docs[0]["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"];
  CHECK(behavior["scaleUp"]["tolerance"] == "0");
  CHECK(behavior["scaleDown"]["stabilizationWindowSeconds"] == std::lround(default_damping().hold_seconds));
  // Without a forecast the ScaledObject is the advised reactive HPA: the Kubernetes defaults.
  rec.strategy = "observer";
  const auto observer = emit_manifest(rec, parse_manifest_format("keda-serve"), o)[0]["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"];
  CHECK_FALSE(observer["scaleUp"].contains("tolerance"));
  CHECK(observer["scaleDown"]["stabilizationWindowSeconds"] == 300);
}

TEST_CASE("serve without a forecast: the current value over the model's reactive target") {
  CHECK(reactive_served_value(80, 0.8) == doctest::Approx(100));
  CHECK(reactive_served_value(80, 1.0) == doctest::Approx(80));
  CHECK(reactive_served_value(80, 0) == doctest::Approx(80));    // no target: the value as it is
  CHECK(reactive_served_value(80, 1.5) == doctest::Approx(80));  // above 1 would cut capacity: refused
}

TEST_CASE("ready time: the target's pods by name, not a workload whose name starts alike") {
  PolicyOptions p;
  p.target_name = "api";
  std::regex deploy(target_pod_regex(p));
  CHECK(std::regex_match("api-7f8d9c6b5-x2k9q", deploy));
  CHECK_FALSE(std::regex_match("api-canary-7f8d9c6b5-x2k9q", deploy));
  CHECK_FALSE(std::regex_match("api-0", deploy));
  p.target_kind = "StatefulSet";
  std::regex sts(target_pod_regex(p));
  CHECK(std::regex_match("api-0", sts));
  CHECK(std::regex_match("api-12", sts));
  CHECK_FALSE(std::regex_match("api-7f8d9c6b5-x2k9q", sts));
}
