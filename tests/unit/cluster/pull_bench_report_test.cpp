#include <doctest/doctest.h>

#include <fstream>

#include "coldstart/cluster/pull_bench_report.hpp"
#include "coldstart/core/error.hpp"

using namespace coldstart;
namespace fs = std::filesystem;

namespace {

cluster::BenchReport report_with_totals(const std::vector<double>& totals, double startup = 0) {
  cluster::BenchReport report;
  report.image = "oci:x:v1";
  report.samples = static_cast<int>(totals.size());
  report.startup_seconds = startup;
  cluster::BenchRun run{"coldstart-cold", "coldstart", "cold", "coldstart bench pull oci:x:v1", std::nullopt, {}, {}};
  for (double t : totals) {
    cluster::PullSample s;
    s.total_seconds = t;
    s.fetch_seconds = t / 2;
    s.unpack_seconds = t / 4;
    s.compressed_bytes = 1000;
    s.uncompressed_bytes = 3000;
    run.samples.push_back(s);
  }
  report.runs.push_back(run);
  return report;
}

}  // namespace

TEST_CASE("pod_ready_seconds is the p90 cold total plus the startup, at the top of the JSON") {
  auto report = report_with_totals({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 40);
  CHECK(cluster::pod_ready_seconds(report) == doctest::Approx(9.1 + 40));
  auto doc = cluster::report_json(report);
  CHECK(doc["schema_version"] == 1);
  CHECK(doc["pod_ready_seconds"].get<double>() == doctest::Approx(49.1));
  CHECK(doc["runs"][0]["phases"]["total"]["p50"].get<double>() == doctest::Approx(5.5));
  CHECK(doc["runs"][0]["network_bytes_per_second"]["min"].get<double>() == doctest::Approx(200.0));
}

TEST_CASE("the baseline gate trips on the mean or the p50 beyond the tolerance") {
  cluster::TempDir dir("report-test-");
  const fs::path baseline = dir.path() / "base.json";
  std::ofstream(baseline) << cluster::report_json(report_with_totals({10, 10, 10})).dump();
  CHECK_FALSE(cluster::check_baseline(report_with_totals({10.5, 10.9, 10.2}), baseline, 0.10).regressed);
  CHECK(cluster::check_baseline(report_with_totals({12, 12, 12}), baseline, 0.10).regressed);
  CHECK(cluster::check_baseline(report_with_totals({11.5, 9, 9}), baseline, 0.10).regressed == false);  // mean 9.83, p50 9
  CHECK(cluster::check_baseline(report_with_totals({11.5, 11.5, 8}), baseline, 0.10).regressed);       // p50 11.5
  std::ofstream(dir.path() / "bad.json") << "{\"pod_ready_seconds\": 3}";
  CHECK_THROWS_AS(cluster::check_baseline(report_with_totals({1}), dir.path() / "bad.json", 0.1), Error);
}

TEST_CASE("tolerances are percentages") {
  CHECK(cluster::parse_tolerance("10%") == doctest::Approx(0.10));
  CHECK(cluster::parse_tolerance("2.5") == doctest::Approx(0.025));
  CHECK_THROWS_AS(cluster::parse_tolerance("ten"), UsageError);
  CHECK_THROWS_AS(cluster::parse_tolerance("-5%"), UsageError);
}
