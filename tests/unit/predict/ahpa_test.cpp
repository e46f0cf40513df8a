// predict::recommend / predict::backtest (the ahpa entry points) on the bundled NYC taxi demand
// (examples/metrics/nyc_taxi.csv: 30-minute steps, Jul 2014 - Jan 2015, weekly and daily cycles).
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "coldstart/core/error.hpp"
#include "coldstart/predict/ahpa.hpp"

using namespace coldstart;
using namespace coldstart::predict;

namespace {

constexpr double kWeek = 7 * 86400.0;

std::string taxi_csv() { return std::string(COLDSTART_SOURCE_DIR) + "/examples/metrics/nyc_taxi.csv"; }

// The first `lines` lines of the taxi file (header included) in a temp file.
std::filesystem::path taxi_head(int lines) {
  auto path = std::filesystem::temp_directory_path() /
              ("coldstart-ahpa-test-" + std::to_string(::getpid()) + "-" + std::to_string(lines) + ".csv");
  std::ifstream in(taxi_csv());
  std::ofstream out(path);
  std::string line;
  for (int i = 0; i < lines && std::getline(in, line); ++i) out << line << "\n";
  return path;
}

RecommendOptions taxi_options() {
  RecommendOptions o;
  o.policy.capacity_per_pod = 2000;
  o.policy.ready_time_seconds = 180;
  return o;
}

}  // namespace

TEST_CASE("predict::recommend: the taxi demand gets a weekly forecast and an AHPA manifest") {
  RecommendRequest request;
  request.input.file = taxi_csv();
  request.options = taxi_options();
  request.emit.name = "taxi-api";
  request.emit.namespace_name = "serving";
  RecommendResult result = recommend(request);

  CHECK(result.loaded.series.name == "nyc_taxi");
  CHECK(result.loaded.series.step == 1800);
  const Recommendation& rec = result.recommendation;
  CHECK(rec.strategy == "auto");
  CHECK(rec.period_seconds == doctest::Approx(kWeek));
  CHECK(rec.policy.max_replicas == 30);  // derived: 1.5 × peak / capacity
  CHECK(rec.forecast.size() == 48);      // the next 24 h at the 30-minute step
  CHECK_FALSE(rec.bounds.empty());
  CHECK(result.manifest["kind"] == "AdvancedHorizontalPodAutoscaler");
  CHECK(result.manifest["metadata"]["name"] == "taxi-api");
  CHECK(result.manifest["metadata"]["namespace"] == "serving");
  CHECK(result.manifest["spec"]["scaleTargetRef"]["name"] == "app");

  request.format = ManifestFormat::keda;
  CHECK(recommend(request).manifest["kind"] == "ScaledObject");
}

// 5 s here, about 170 s under AddressSanitizer: the sanitizer run skips it (the smaller walk-forward
// cases still take the replay through ASan), the default run asserts it.
#ifdef __SANITIZE_ADDRESS__
constexpr bool kUnderAsan = true;
#else
constexpr bool kUnderAsan = false;
#endif

TEST_CASE("predict::backtest: replaying the taxi history, the forecast beats the equal-cost HPA" *
          doctest::skip(kUnderAsan)) {
  BacktestRequest request;
  request.input.file = taxi_csv();
  request.options = taxi_options();
  BacktestReport report = backtest(request);

  const Recommendation& rec = report.recommendation;
  REQUIRE(rec.backtested);
  CHECK(rec.strategy == "auto");
  // replay_all: the whole history after the week of warm-up, not just the last 14 days.
  CHECK((rec.backtest.end - rec.backtest.start) / 86400 == 200);
  REQUIRE(rec.backtest.policies.size() == 4);
  const auto& recommended = rec.backtest.policy("recommended").metrics;
  const auto& equal_cost = rec.backtest.policy("equal_cost_hpa").metrics;
  CHECK(recommended.under_provisioned_pod_minutes < 0.2 * equal_cost.under_provisioned_pod_minutes);
  CHECK(rec.backtest.under_provisioning_reduction() > 0.9);
}

TEST_CASE("predict::backtest refuses under a day of history; recommend falls back to reactive") {
  auto path = taxi_head(40);  // 39 samples: 0.8 days
  BacktestRequest bt;
  bt.input.file = path.string();
  bt.options = taxi_options();
  CHECK_THROWS_WITH_AS(backtest(bt), doctest::Contains("too short to replay"), Error);

  RecommendRequest rq;
  rq.input.file = path.string();
  rq.options = taxi_options();
  RecommendResult result = recommend(rq);
  CHECK(result.recommendation.strategy == "observer");
  CHECK(result.recommendation.forecast.empty());
  CHECK(result.manifest["kind"] == "AdvancedHorizontalPodAutoscaler");
  std::filesystem::remove(path);
}

TEST_CASE("predict::recommend without metrics is a usage error") {
  RecommendRequest request;
  CHECK_THROWS_AS(recommend(request), UsageError);
}
