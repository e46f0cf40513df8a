#include <doctest/doctest.h>

#include <regex>

#include "coldstart/core/error.hpp"
#include "coldstart/predict/emit.hpp"
#include "coldstart/predict/recommend.hpp"
#include "coldstart/predict/report.hpp"
#include "synthetic.hpp"

using namespace coldstart::predict;

namespace {
Recommendation daily_recommendation() {
  auto s = testing::periodic_series(14, 300, 86400, 60, 1);
  RecommendOptions o;
  o.policy.capacity_per_pod = 16;
  o.policy.ready_time_seconds = 240;
  o.policy.target_name = "model-server";
  return recommend(s, o);
}
}  // namespace

TEST_CASE("recommend on a clean daily cycle chooses the forecast and fills bounds and a 24 h forecast") {
  auto rec = daily_recommendation();
  CHECK(rec.strategy == "auto");
  CHECK(rec.period_seconds == 86400);
  CHECK(rec.forecast.size() == 288);
  REQUIRE(!rec.bounds.empty());
  int lowest = 1000, highest = 0;
  for (const auto& b : rec.bounds) lowest = std::min(lowest, b.min_replicas), highest = std::max(highest, b.min_replicas);
  CHECK(highest > lowest);  // the floor follows the cycle
}

TEST_CASE("recommend on noise falls back to observer with a reason") {
  auto s = testing::periodic_series(10, 300, 86400, 0, 20);
  RecommendOptions o;
  auto rec = recommend(s, o);
  CHECK(rec.strategy == "observer");
  CHECK(rec.reason.find("no daily, weekly or other period") != std::string::npos);
  CHECK(rec.forecast.empty());
  CHECK(rec.hpa_target_utilization == doctest::Approx(0.8));
}

TEST_CASE("recommend with under 2 days falls back and says the history is too short") {
  auto s = testing::periodic_series(1.5, 300, 86400, 50, 1);
  auto rec = recommend(s, RecommendOptions{});
  CHECK(rec.strategy == "observer");
  CHECK(rec.reason.find("daily period not testable") != std::string::npos);
}

TEST_CASE("AHPA manifest carries the required fields") {
  auto rec = daily_recommendation();
  auto m = emit_ahpa(rec, {});
  CHECK(m["apiVersion"] == "autoscaling.alibabacloud.com/v1beta1");
  CHECK(m["kind"] == "AdvancedHorizontalPodAutoscaler");
  CHECK(m["metadata"]["name"] == "model-server");
  const auto& spec = m["spec"];
  CHECK(spec["scaleTargetRef"]["kind"] == "Deployment");
  CHECK(spec["scaleTargetRef"]["name"] == "model-server");
  CHECK(spec["metrics"][0]["type"] == "Pods");
  CHECK(spec["metrics"][0]["pods"]["target"]["averageValue"] == "16");
  CHECK(spec["minReplicas"] == 1);
  CHECK(spec["maxReplicas"] == rec.policy.max_replicas);
  CHECK(spec["scaleStrategy"] == "auto");
  CHECK(spec["stabilizationWindowSeconds"] == 300);
  CHECK(spec["prediction"]["quantile"] == 95.0);
  CHECK(spec["prediction"]["scaleUpForward"] == 240);
  const auto& ib = spec["instanceBounds"][0];
  std::regex time_re(R"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})");
  CHECK(std::regex_match(ib["startTime"].get<std::string>(), time_re));
  CHECK(std::regex_match(ib["endTime"].get<std::string>(), time_re));
  CHECK(ib["bounds"].size() == rec.bounds.size());
  const auto& b0 = rec.bounds[0];
  std::string hours = b0.last_hour == 0 ? "0" : "0-" + std::to_string(b0.last_hour);
  CHECK(ib["bounds"][0]["cron"] == "* " + hours + " ? * *");
}

TEST_CASE("observer AHPA has no instance bounds; CPU metrics become Resource utilisation") {
  auto s = testing::periodic_series(10, 300, 86400, 0, 20);
  RecommendOptions o;
  o.policy.metric = "cpu";
  o.policy.capacity_per_pod = 70;
  auto m = emit_ahpa(recommend(s, o), {});
  CHECK(m["spec"]["scaleStrategy"] == "observer");
  CHECK(!m["spec"].contains("instanceBounds"));
  CHECK(m["spec"]["metrics"][0]["resource"]["name"] == "cpu");
  CHECK(m["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 70);
}

TEST_CASE("HPA, Crane and KEDA documents") {
  auto rec = daily_recommendation();
  EmitOptions named;
  named.name = "web";
  named.namespace_name = "prod";
  auto hpa = emit_hpa(rec, named);
  CHECK(hpa["apiVersion"] == "autoscaling/v2");
  CHECK(hpa["metadata"]["namespace"] == "prod");
  CHECK(hpa["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 300);
  auto crane = emit_crane(rec, {});
  CHECK(crane["kind"] == "EffectiveHorizontalPodAutoscaler");
  CHECK(crane["spec"]["scaleStrategy"] == "Auto");
  CHECK(crane["spec"]["prediction"]["predictionWindowSeconds"] == 240);
  CHECK(!crane["spec"]["crons"].empty());
  auto keda = emit_keda(rec, {});
  CHECK(keda["kind"] == "ScaledObject");
  const auto& triggers = keda["spec"]["triggers"];
  CHECK(triggers.front()["type"] == "cron");
  CHECK(triggers.back()["type"] == "prometheus");
  for (const auto& t : triggers)
    for (const auto& [k, v] : t["metadata"].items()) CHECK(v.is_string());  // KEDA metadata is all strings
  CHECK_THROWS_AS(parse_manifest_format("vpa"), coldstart::UsageError);
}

TEST_CASE("quantities are Kubernetes-valid") {
  CHECK(emit_detail::quantity(2000) == "2000");
  CHECK(emit_detail::quantity(2512.5) == "2512500m");
  CHECK(emit_detail::cron_weekdays({1, 2, 3}, true) == "MON,TUE,WED");
  CHECK(emit_detail::cron_weekdays({}, false) == "*");
}

TEST_CASE("manifest YAML quotes every string") {
  nlohmann::ordered_json doc = {{"a", "2015-02-01 00:00:00"}, {"n", 3}, {"list", {{{"k", "v"}, {"m", 1}}, "x"}}, {"empty", nlohmann::ordered_json::array()}};
  CHECK(manifest_yaml(doc) == "a: \"2015-02-01 00:00:00\"\nn: 3\nlist:\n  - k: \"v\"\n    m: 1\n  - \"x\"\nempty: []\n");
}
