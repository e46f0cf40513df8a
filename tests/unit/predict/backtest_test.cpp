#include <doctest/doctest.h>

#include "coldstart/core/error.hpp"
#include "coldstart/predict/backtest.hpp"
#include "coldstart/predict/hpa_simulation.hpp"
#include "synthetic.hpp"

using namespace coldstart::predict;

namespace {
SimulationConfig one_minute_ticks(double ready) {
  SimulationConfig c;
  c.tick = 60;
  c.ready_time = ready;
  c.capacity_per_pod = 10;
  c.min_replicas = 1;
  c.max_replicas = 100;
  return c;
}
}  // namespace

TEST_CASE("metrics of a static policy, checked by hand") {
  auto c = one_minute_ticks(0);
  std::vector<double> demand{10, 30, 20};  // needs 1, 3, 2 pods
  auto m = measure(demand, simulate_static(3, 2), c);
  CHECK(m.under_provisioned_pod_minutes == doctest::Approx(1));  // minute 2: 3 needed, 2 ready
  CHECK(m.minutes_above_capacity == doctest::Approx(1));
  CHECK(m.pod_hours == doctest::Approx(6.0 / 60));                // 2 pods × 3 minutes
  CHECK(m.over_provisioned_pod_hours == doctest::Approx(1.0 / 60));  // 1 spare pod in minute 1
  CHECK(m.scaling_events == 0);
}

TEST_CASE("a reactive HPA serves a step up only after the ready time") {
  auto c = one_minute_ticks(120);  // new pods ready 2 ticks after scale-up
  std::vector<double> demand{10, 10, 30, 30, 30, 30};
  auto t = simulate_reactive_hpa(demand, 1.0, c);
  CHECK(t.requested == std::vector<int>{1, 1, 3, 3, 3, 3});
  CHECK(t.ready == std::vector<int>{1, 1, 1, 1, 3, 3});
  auto m = measure(demand, t, c);
  CHECK(m.under_provisioned_pod_minutes == doctest::Approx(4));  // 2 pods short for 2 minutes
  CHECK(m.minutes_above_capacity == doctest::Approx(2));
  CHECK(m.pod_hours == doctest::Approx(14.0 / 60));
  CHECK(m.scaling_events == 1);
}

TEST_CASE("the reactive HPA ignores changes within its 10 % tolerance") {
  auto c = one_minute_ticks(0);
  std::vector<double> demand{100, 108, 92, 109};  // ratio stays within 0.9..1.1 of 10 pods
  auto t = simulate_reactive_hpa(demand, 1.0, c);
  CHECK(t.requested == std::vector<int>{10, 10, 10, 10});
  auto m = measure(demand, t, c);
  CHECK(m.under_provisioned_pod_minutes == doctest::Approx(0.8 + 0.9));  // 10.8 and 10.9 pods needed
}

TEST_CASE("scale-down waits for the 300 s stabilisation window") {
  auto c = one_minute_ticks(0);
  std::vector<double> demand{30, 10, 10, 10, 10, 10, 10};
  auto t = simulate_reactive_hpa(demand, 1.0, c);
  // The recommendation of 3 at t=0 stays in the window until t=5.
  CHECK(t.requested == std::vector<int>{3, 3, 3, 3, 3, 1, 1});
  CHECK(t.scaling_events == 1);
}

TEST_CASE("a desired schedule removes unready pods first and respects bounds") {
  auto c = one_minute_ticks(120);
  c.scale_down_window = 60;
  c.max_replicas = 4;
  auto t = simulate_desired({1, 6, 1, 1}, 1, c);
  CHECK(t.requested == std::vector<int>{1, 4, 1, 1});  // clamped to max, then scaled down
  CHECK(t.ready == std::vector<int>{1, 1, 1, 1});      // the 3 new pods never became ready
  CHECK(t.scaling_events == 2);
}

TEST_CASE("backtest: on a clean daily cycle the forecast beats reactive and equal cost") {
  auto s = testing::periodic_series(14, 300, 86400, 60, 1);
  BacktestOptions o;
  o.policy.capacity_per_pod = 16;
  o.policy.max_replicas = 20;
  o.policy.ready_time_seconds = 600;
  o.period_seconds = 86400;
  auto r = run_backtest(s, o);
  const auto& rec = r.policy("recommended").metrics;
  const auto& eq = r.policy("equal_cost_hpa").metrics;
  CHECK(r.start == s.start + 7 * 86400);  // a week of warm-up, then whole days
  CHECK(r.demand.size() == 7 * 86400 / 15);
  CHECK(r.under_provisioning_reduction() > 0.8);
  CHECK(rec.under_provisioned_pod_minutes < eq.under_provisioned_pod_minutes);
  CHECK(eq.pod_hours == doctest::Approx(rec.pod_hours).epsilon(0.01));  // equal cost, really
  CHECK(r.policy("static_max").metrics.under_provisioned_pod_minutes == 0);
  CHECK(r.score.available);
  CHECK(r.score.coverage > 0.85);
  CHECK(r.score.mase < 1.5);
}

TEST_CASE("backtest without a period recommends reactive headroom, identical to equal cost") {
  auto s = testing::periodic_series(10, 300, 86400, 0, 20);
  BacktestOptions o;
  o.policy.capacity_per_pod = 10;
  o.policy.max_replicas = 30;
  auto r = run_backtest(s, o);
  CHECK(!r.score.available);
  CHECK(r.policy("recommended").target_utilization == doctest::Approx(0.8));
  // The recommendation is itself a reactive HPA, so it is its own equal-cost baseline.
  CHECK(r.policy("equal_cost_hpa").target_utilization == 0.8);
  CHECK(r.policy("equal_cost_hpa").metrics.under_provisioned_pod_minutes ==
        r.policy("recommended").metrics.under_provisioned_pod_minutes);
}

TEST_CASE("backtest refuses a history too short to replay") {
  auto s = testing::periodic_series(1, 300, 86400, 50, 1);
  BacktestOptions o;
  o.policy.capacity_per_pod = 10;
  o.policy.max_replicas = 30;
  o.period_seconds = 86400;
  CHECK_THROWS_AS(run_backtest(s, o), coldstart::Error);
}
