#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "coldstart/predict/recommend.hpp"
#include "coldstart/predict/replay.hpp"
#include "coldstart/predict/walk_forward.hpp"
#include "synthetic.hpp"

using namespace coldstart::predict;

namespace {

// A daily cycle whose phase flips by 12 h on day `flip_day`: every day before says "the
// forecast wins", and the decision window keeps saying so for days after the flip.
Series flipping_series(int days, int flip_day) {
  Series s;
  s.name = "flipping";
  s.step = 300;
  s.start = 1700006400 / 86400 * 86400;
  std::mt19937_64 rng(3);
  std::normal_distribution<double> gauss(0, 3);
  for (int i = 0; i < days * 288; ++i) {
    const double t = static_cast<double>(s.time_at(static_cast<std::size_t>(i)));
    const double phase = i / 288 >= flip_day ? 0.5 : 0;
    s.values.push_back(std::max(0.0, 100 + 80 * std::sin(2 * M_PI * (t / 86400 + phase)) + gauss(rng)));
  }
  return s;
}

WalkForwardOptions all_formats(double ready) {
  WalkForwardOptions o;
  o.recommend.policy.ready_time_seconds = ready;
  o.formats = {ManifestFormat::ahpa, ManifestFormat::hpa, ManifestFormat::keda, ManifestFormat::crane, ManifestFormat::keda_serve};
  return o;
}

}  // namespace

TEST_CASE("walk-forward: changing any value after day D changes nothing in the replay up to D") {
  Series s = testing::periodic_series(16, 300, 86400, 60, 3);
  const auto o = all_formats(600);  // capacity and max derived, so their derivation is covered too
  const WalkForwardResult before = run_walk_forward(s, o);
  const std::int64_t day_d = s.start + 12 * 86400;
  for (std::size_t i = 0; i < s.values.size(); ++i)
    if (s.time_at(i) >= day_d) s.values[i] = s.values[i] * 3 + static_cast<double>(i % 7) * 20;  // a different future
  s.values.back() = NAN;  // and a gap at the very end
  const WalkForwardResult after = run_walk_forward(s, o);
  const auto ticks = static_cast<std::size_t>((day_d - before.replay.start) / before.replay.tick);
  REQUIRE(ticks > 0);
  REQUIRE(ticks < before.replay.demand.size());
  // Every day's decision up to D, and every controller's pods, tick by tick.
  for (std::size_t d = 0; d < before.days.size() && before.days[d].start < day_d; ++d) {
    CHECK(before.days[d].strategy == after.days[d].strategy);
    CHECK(before.days[d].max_replicas == after.days[d].max_replicas);
    CHECK(before.days[d].hpa_target_utilization == after.days[d].hpa_target_utilization);
  }
  auto same_until_d = [&](const Timeline& a, const Timeline& b) {
    return std::equal(a.requested.begin(), a.requested.begin() + static_cast<long>(ticks), b.requested.begin()) &&
           std::equal(a.ready.begin(), a.ready.begin() + static_cast<long>(ticks), b.ready.begin());
  };
  for (std::size_t f = 0; f < before.formats.size(); ++f) {
    INFO(before.formats[f].name);
    CHECK(same_until_d(before.formats[f].outcome.timeline, after.formats[f].outcome.timeline));
  }
  CHECK(same_until_d(before.replay.policy("reactive_hpa").timeline, after.replay.policy("reactive_hpa").timeline));
  CHECK(before.replay.simulation.capacity_per_pod == after.replay.simulation.capacity_per_pod);
  // ... and the future really was different: the replays after D differ.
  CHECK(before.formats[0].outcome.timeline.requested != after.formats[0].outcome.timeline.requested);
}

TEST_CASE("walk-forward: a series on which the forecast loses is reported as losing") {
  const Series s = flipping_series(24, 16);
  WalkForwardOptions o;
  o.recommend.policy.ready_time_seconds = 300;
  const WalkForwardResult w = run_walk_forward(s, o);
  const FormatReplay& ahpa = w.formats.front();
  CHECK(ahpa.outcome.metrics.under_provisioned_pod_minutes > 2 * ahpa.equal_cost.metrics.under_provisioned_pod_minutes);
  CHECK_FALSE(ahpa.not_worse_than_equal_cost());
  // The in-sample replay, deciding with the replayed days in view, would have claimed a win.
  RecommendOptions ro = o.recommend;
  ro.replay_all = true;
  const Recommendation in_sample = recommend(s, ro);
  REQUIRE(in_sample.backtested);
  CHECK(in_sample.backtest.policy("recommended").metrics.under_provisioned_pod_minutes <
        in_sample.backtest.policy("equal_cost_hpa").metrics.under_provisioned_pod_minutes);
}

TEST_CASE("walk-forward on a clean daily cycle: the ahpa manifest beats its equal-cost HPA, every format is replayed") {
  const Series s = testing::periodic_series(16, 300, 86400, 60, 3);
  const WalkForwardResult w = run_walk_forward(s, all_formats(600));
  REQUIRE(w.formats.size() == 5);
  CHECK(w.formats[0].name == "ahpa");
  CHECK(w.formats[3].name == "crane");
  CHECK(w.formats[4].name == "keda-serve");
  CHECK(w.replay.start == s.start + 7 * 86400);  // a week of warm-up, then whole days
  CHECK(w.days.size() == 9);
  for (const auto& d : w.days) CHECK(d.strategy == "auto");
  const auto& ahpa = w.formats[0];
  CHECK(ahpa.not_worse_than_equal_cost());
  CHECK(ahpa.outcome.metrics.under_provisioned_pod_minutes < 0.5 * ahpa.equal_cost.metrics.under_provisioned_pod_minutes);
  CHECK(ahpa.equal_cost.metrics.pod_hours == doctest::Approx(ahpa.outcome.metrics.pod_hours).epsilon(0.01));
  // keda = the hpa target plus cron floors: never fewer pods than the hpa manifest alone.
  CHECK(w.formats[2].outcome.metrics.pod_hours >= w.formats[1].outcome.metrics.pod_hours - 1e-9);
  CHECK(w.replay.policy("recommended").metrics.pod_hours == ahpa.outcome.metrics.pod_hours);
  CHECK(w.replay.score.available);
}

TEST_CASE("a one-day reactive plan replays exactly as the Kubernetes HPA simulation") {
  SimulationConfig c;
  c.tick = 15;
  c.ready_time = 120;
  c.capacity_per_pod = 10;
  c.max_replicas = 40;
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0, 300);
  std::vector<double> demand;
  for (int i = 0; i < 2000; ++i) demand.push_back(u(rng) * (1 + std::sin(i / 200.0)));
  DayPlan p;
  p.reactive_target = 0.8;
  p.max_replicas = 40;
  const Timeline a = simulate_manifest(demand, {p}, {}, {}, 3, c, Damping{});
  const Timeline b = simulate_reactive_hpa(demand, 0.8, c);
  // Same controller once the initial replica counts agree (simulate_reactive_hpa starts at the demand's).
  const Timeline a2 = simulate_manifest(demand, {p}, {}, {}, b.requested.front(), c, Damping{});
  CHECK(a2.requested == b.requested);
  CHECK(a2.ready == b.ready);
  CHECK(a2.scaling_events == b.scaling_events);
  CHECK(a.requested.size() == demand.size());
}

TEST_CASE("a cron floor holds replicas up with no load; a lower max applies at once") {
  SimulationConfig c;
  c.tick = 900;  // 4 ticks per hour
  c.ready_time = 0;
  c.capacity_per_pod = 10;
  std::vector<double> demand(4 * 48, 0.0);
  DayPlan day1;
  day1.reactive_target = 1.0;
  day1.floor[2] = 5;  // 02:00-02:59
  day1.max_replicas = 10;
  DayPlan day2 = day1;
  day2.first_tick = 96;
  day2.max_replicas = 3;
  const Timeline t = simulate_manifest(demand, {day1, day2}, {}, {}, 1, c, Damping{});
  CHECK(t.requested[7] == 1);
  CHECK(t.requested[8] == 5);   // 02:00: the cron floor
  CHECK(t.requested[11] == 5);
  CHECK(t.requested[12] == 1);  // 03:00: the floor ends (the 300 s window is within one tick here)
  CHECK(t.requested[20] == 1);
  CHECK(t.requested[96 + 8] == 3);  // day 2: floor 5 capped by max 3
  CHECK(t.pod_starts == 4 + 2);
}

TEST_CASE("damping: the forecast controller holds what the forecast needs soon and spaces scale-downs") {
  SimulationConfig c;
  c.tick = 60;
  c.ready_time = 0;
  c.capacity_per_pod = 1;
  c.max_replicas = 20;
  Damping d;
  d.scale_down_window = 60;
  d.min_scale_down_spacing = 0;
  // Need flaps 5, 3, 5, 3...; the hold (need soon) stays 5: no flapping at all.
  std::vector<int> need, hold;
  for (int i = 0; i < 20; ++i) {
    need.push_back(i % 2 ? 3 : 5);
    hold.push_back(5);
  }
  DayPlan p;
  p.forecast = true;
  p.max_replicas = 20;
  std::vector<double> demand(20, 0.0);
  Timeline held = simulate_manifest(demand, {p}, need, hold, 5, c, d);
  CHECK(held.scaling_events == 0);
  // Without the hold it flaps every other minute.
  Timeline flapping = simulate_manifest(demand, {p}, need, need, 5, c, d);
  CHECK(flapping.scaling_events >= 15);
  // Spacing: after a scale-up, no scale-down for 10 minutes.
  d.min_scale_down_spacing = 600;
  Timeline spaced = simulate_manifest(demand, {p}, need, need, 5, c, d);
  CHECK(spaced.scaling_events <= 4);
}

TEST_CASE("keda-serve: the HPA reads the served value as an External AverageValue metric over current replicas") {
  SimulationConfig c;
  c.tick = 15;
  c.ready_time = 0;
  c.capacity_per_pod = 10;
  c.max_replicas = 40;
  DayPlan p;
  p.served = true;
  p.max_replicas = 40;
  std::vector<double> demand(60, 0.0);  // the demand is not read: only the served value is
  std::vector<double> served(60, 50.0);
  for (std::size_t i = 20; i < 40; ++i) served[i] = 54;   // 54 / (5 × 10) = 1.08: within the tolerance
  for (std::size_t i = 40; i < 60; ++i) served[i] = 121;  // ceil(121 / 10) = 13
  const Timeline t = simulate_manifest(demand, {p}, {}, {}, 1, c, Damping{}, served);
  CHECK(t.requested[0] == 5);   // within +100 % or +4 pods per tick
  CHECK(t.requested[39] == 5);  // 54 is within 10 % of 5 × 10
  CHECK(t.requested[40] == 10);
  CHECK(t.requested[41] == 13);
  CHECK(t.scaling_events == 3);

  // keda-serve's own behaviour: any excess scales up; a scale-down waits out its longer window.
  p.scale_up_tolerance = keda_serve_scaling().scale_up_tolerance;
  p.scale_down_window = 600;
  for (std::size_t i = 40; i < 60; ++i) served[i] = 30;  // ceil(30 / 10) = 3, asked for from tick 40 on
  const Timeline k = simulate_manifest(demand, {p}, {}, {}, 5, c, Damping{}, served);
  CHECK(k.requested[19] == 5);
  CHECK(k.requested[20] == 6);   // 54 > 5 × 10: ceil(5.4) = 6 at once
  CHECK(k.requested[58] == 6);   // the 600 s window (40 ticks) still holds the 6
  std::vector<double> longer(100, 30.0);
  std::copy(served.begin(), served.begin() + 40, longer.begin());
  const Timeline l = simulate_manifest(std::vector<double>(100, 0.0), {p}, {}, {}, 5, c, Damping{}, longer);
  CHECK(l.requested[78] == 6);   // tick 39 asked for 6: within the 40 ticks up to 78
  CHECK(l.requested[79] == 3);
}

TEST_CASE("walk-forward: keda-serve is the forecast controller read by the HPA, so it beats its equal-cost HPA as ahpa does") {
  Series s = testing::periodic_series(16, 300, 86400, 60, 3);
  WalkForwardOptions o;
  o.recommend.policy.ready_time_seconds = 600;
  o.formats = {ManifestFormat::ahpa, ManifestFormat::keda_serve};
  const WalkForwardResult w = run_walk_forward(s, o);
  REQUIRE(w.formats.size() == 2);
  CHECK(w.formats[1].name == "keda-serve");
  const double reactive = w.replay.policy("reactive_hpa").metrics.under_provisioned_pod_minutes;
  const double ahpa = w.formats[0].outcome.metrics.under_provisioned_pod_minutes;
  const double serve = w.formats[1].outcome.metrics.under_provisioned_pod_minutes;
  INFO("reactive " << reactive << ", ahpa " << ahpa << ", keda-serve " << serve);
  REQUIRE(reactive > 0);
  CHECK(serve < 0.5 * reactive);
  CHECK(w.formats[1].not_worse_than_equal_cost());
  // ... and about as well as ahpa: with a scale-up tolerance of 0 the HPA follows every served
  // scale-up (with the default 10 % it swallowed the small ones).
  CHECK(serve <= 2 * ahpa + 1);
}

TEST_CASE("perfect foresight: the same manifests with the values that came in place of the forecast, a bound") {
  // The phase flips on day 10: the forecast is wrong for a while after it, foresight never is.
  const Series s = flipping_series(16, 10);
  WalkForwardOptions o = all_formats(600);
  o.formats = {ManifestFormat::ahpa};
  const WalkForwardResult forecast = run_walk_forward(s, o);
  o.perfect_foresight = true;
  const WalkForwardResult bound = run_walk_forward(s, o);
  CHECK(bound.perfect_foresight);
  REQUIRE(forecast.days.size() == bound.days.size());
  for (std::size_t d = 0; d < bound.days.size(); ++d) CHECK(bound.days[d].strategy == forecast.days[d].strategy);
  const double with_forecast = forecast.formats[0].outcome.metrics.under_provisioned_pod_minutes;
  const double with_foresight = bound.formats[0].outcome.metrics.under_provisioned_pod_minutes;
  INFO("forecast " << with_forecast << ", foresight " << with_foresight);
  CHECK(with_foresight < 0.5 * with_forecast);
}
