#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "coldstart/core/error.hpp"
#include "coldstart/predict/policy.hpp"

using namespace coldstart;
using namespace coldstart::predict;

TEST_CASE("replicas_for is ceil(demand / capacity) clamped to [min, max]") {
  PolicyOptions p;
  p.capacity_per_pod = 100;
  p.min_replicas = 2;
  p.max_replicas = 10;
  CHECK(replicas_for(0, p) == 2);
  CHECK(replicas_for(250, p) == 3);
  CHECK(replicas_for(300, p) == 3);      // exact multiples do not round up
  CHECK(replicas_for(300.5, p) == 4);
  CHECK(replicas_for(5000, p) == 10);
  CHECK(replicas_for(NAN, p) == 2);
  CHECK(replicas_for(1e300, p) == 10);
}

TEST_CASE("complete_policy derives capacity from p95/10 and max from the peak") {
  std::vector<double> history;
  for (int i = 1; i <= 100; ++i) history.push_back(i * 10);  // p95 = 950.5, peak 1000
  PolicyOptions p;
  complete_policy(p, history);
  CHECK(p.capacity_per_pod == doctest::Approx(95.05));
  CHECK(p.max_replicas == 16);  // ceil(1.5 × 1000 / 95.05)
  PolicyOptions bad;
  bad.capacity_per_pod = 10;
  bad.min_replicas = 5;
  bad.max_replicas = 3;
  CHECK_THROWS_AS(complete_policy(bad, history), UsageError);
  PolicyOptions q;
  q.quantile = 0.3;
  CHECK_THROWS_AS(complete_policy(q, history), UsageError);
}

TEST_CASE("the ready time comes from pod_ready_seconds in a JSON file") {
  auto dir = std::filesystem::temp_directory_path() / "coldstart-policy-test";
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return dir / name;
  };
  CHECK(read_ready_time_file(write("ok.json", R"({"pod_ready_seconds": 183.2, "image": "x"})")) == doctest::Approx(183.2));
  CHECK_THROWS_WITH_AS(read_ready_time_file(write("missing.json", R"({"ready": 3})")),
                       doctest::Contains("pod_ready_seconds"), Error);
  CHECK_THROWS_AS(read_ready_time_file(write("neg.json", R"({"pod_ready_seconds": -1})")), Error);
  CHECK_THROWS_WITH_AS(read_ready_time_file(write("bad.json", "{nope")), doctest::Contains("not valid JSON"), Error);
  CHECK_THROWS_AS(read_ready_time_file(dir / "absent.json"), Error);
  std::filesystem::remove_all(dir);
}

TEST_CASE("--target is KIND/NAME") {
  PolicyOptions p;
  parse_target("StatefulSet/llm-server", p);
  CHECK(p.target_kind == "StatefulSet");
  CHECK(p.target_name == "llm-server");
  parse_target("web", p);
  CHECK(p.target_kind == "Deployment");
  CHECK_THROWS_AS(parse_target("Pod/x", p), UsageError);
  CHECK_THROWS_AS(parse_target("Deployment/", p), UsageError);
  CHECK_THROWS_AS(parse_target("Deployment/Bad_Name", p), UsageError);
}
