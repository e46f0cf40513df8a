#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include "coldstart/core/error.hpp"
#include "coldstart/core/file.hpp"
#include "coldstart/predict/prometheus.hpp"
#include "coldstart/predict/series_io.hpp"

using namespace coldstart;
using namespace coldstart::predict;

namespace {
const char* kTwoPods = R"({"status":"success","data":{"resultType":"matrix","result":[
  {"metric":{"__name__":"rps","pod":"a","zone":"x"},"values":[[1000,"1"],[1060,"2"],[1120,"NaN"]]},
  {"metric":{"__name__":"rps","pod":"b","zone":"x"},"values":[[1000,"10"],[1060.0,"20"],[1120,"30"],[1180,"40"]]},
  {"metric":{"__name__":"rps","pod":"c","zone":"y"},"values":[[1060,"+Inf"],[1120,"-Inf"]]}
]}})";

std::filesystem::path write_temp(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / ("coldstart-unit-" + std::to_string(::getpid()) + "-" + name);
  write_file_atomic(path, text);
  return path;
}
}  // namespace

TEST_CASE("a query_range matrix parses labels, timestamps and NaN/Inf values") {
  auto series = parse_query_range(kTwoPods, "export.json");
  REQUIRE(series.size() == 3);
  CHECK(series[0].labels.at("pod") == "a");
  CHECK(series[0].labels.at("__name__") == "rps");
  REQUIRE(series[0].points.size() == 3);
  CHECK(series[0].points[1].timestamp == 1060);
  CHECK(series[0].points[1].value == 2);
  CHECK(std::isnan(series[0].points[2].value));
  CHECK(series[2].points[0].value == INFINITY);
  CHECK(series[2].points[1].value == -INFINITY);
}

TEST_CASE("several series are summed per timestamp over finite values") {
  auto sum = sum_series(parse_query_range(kTwoPods, "export.json"));
  REQUIRE(sum.size() == 4);
  CHECK(sum[0].timestamp == 1000);
  CHECK(sum[0].value == 11);
  CHECK(sum[1].value == 22);  // +Inf of pod c is ignored, like a missing sample
  CHECK(sum[2].value == 30);  // NaN of a and -Inf of c ignored
  CHECK(sum[3].value == 40);  // only b reports here
}

TEST_CASE("group_by_label sums within each label value") {
  auto groups = group_by_label(parse_query_range(kTwoPods, "export.json"), "zone");
  REQUIRE(groups.size() == 2);
  CHECK(groups.at("x").size() == 4);
  CHECK(groups.at("x")[0].value == 11);
  CHECK(groups.at("y").size() == 2);
  CHECK(std::isnan(groups.at("y")[0].value));
}

TEST_CASE("an error status surfaces Prometheus' own message") {
  const char* answer = R"({"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected right parenthesis"})";
  CHECK_THROWS_WITH_AS(parse_query_range(answer, "q.json"),
                       doctest::Contains("q.json: Prometheus reported status error (bad_data): 1:5: parse error"), Error);
}

TEST_CASE("key order, a bare data object, a vector result and extra fields are all read") {
  auto reordered = parse_query_range(
      R"({"data":{"result":[{"values":[[60,"5"]],"metric":{"pod":"a"},"extra":{"x":[1,2]}}],"resultType":"matrix"},)"
      R"("warnings":["w"],"status":"success"})",
      "q.json");
  REQUIRE(reordered.size() == 1);
  CHECK(reordered[0].labels.at("pod") == "a");
  CHECK(reordered[0].points.size() == 1);
  CHECK(reordered[0].points[0].value == 5);
  auto bare = parse_query_range(R"({"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"],[2,"2"]]}]})", "q.json");
  REQUIRE(bare.size() == 1);
  CHECK(bare[0].points[1].timestamp == 2);
  auto vec = parse_query_range(R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000.5,"7"]}]}})", "q.json");
  REQUIRE(vec.size() == 1);
  CHECK(vec[0].points[0].timestamp == 1700000001);
  CHECK(vec[0].points[0].value == 7);
  CHECK(parse_query_range(R"({"status":"success","data":{"resultType":"matrix","result":[]}})", "q.json").empty());
}

TEST_CASE("malformed or non-matrix answers are rejected with the source name") {
  CHECK_THROWS_WITH_AS(parse_query_range("[1,2]", "q.json"), doctest::Contains("expected a JSON object"), Error);
  CHECK_THROWS_WITH_AS(
      parse_query_range(R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1]]}]}})", "q.json"),
      doctest::Contains("not a [timestamp, \"value\"] pair"), Error);
  CHECK_THROWS_WITH_AS(
      parse_query_range(R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[1,2]}]}})", "q.json"),
      doctest::Contains("not a [timestamp, \"value\"] pair"), Error);
  CHECK_THROWS_WITH_AS(parse_query_range(R"({"status":"success"})", "q.json"), doctest::Contains("no \"data\" object"), Error);
  CHECK_THROWS_WITH_AS(parse_query_range("{\"status\":\"success\"", "q.json"), doctest::Contains("q.json: not valid JSON"), Error);
  CHECK_THROWS_WITH_AS(parse_query_range(R"({"status":"success","data":{"resultType":"scalar","result":[1,"2"]}})", "q.json"),
                       doctest::Contains("result type 'scalar' is not a matrix"), Error);
  CHECK_THROWS_WITH_AS(
      parse_query_range(R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"x"]]}]}})", "q.json"),
      doctest::Contains("sample value 'x' is not a number"), Error);
}

TEST_CASE("load_metrics on a JSON export: sum by default, --by/--series to pick one") {
  auto path = write_temp("export.json", kTwoPods);
  MetricsInput in;
  in.file = path.string();
  in.cleaning.outlier_mad_k = 0;
  auto summed = load_metrics(in);
  CHECK(summed.source.find("(prometheus-json)") != std::string::npos);
  CHECK(summed.series.start == 1000);
  CHECK(summed.series.step == 60);
  REQUIRE(summed.series.values.size() == 4);
  CHECK(summed.series.values[2] == 30);

  in.by = "pod";
  CHECK_THROWS_WITH_AS(load_metrics(in), doctest::Contains("3 series by pod: a, b, c"), Error);
  in.series = "b";
  auto b = load_metrics(in);
  CHECK(b.series.name == "pod=b");
  CHECK(b.series.values == std::vector<double>{10, 20, 30, 40});
  CHECK(b.available_series == std::vector<std::string>{"a", "b", "c"});
  in.series = "z";
  CHECK_THROWS_WITH_AS(load_metrics(in), doctest::Contains("choices: a, b, c"), Error);
  in.by = "namespace";
  in.series = "";
  CHECK_THROWS_WITH_AS(load_metrics(in), doctest::Contains("no series has the label 'namespace'"), Error);
  std::filesystem::remove(path);
}

TEST_CASE("a live query against a closed port fails with a connection error naming the URL") {
  PrometheusQuery q;
  q.url = "http://127.0.0.1:1";
  q.query = "up";
  q.start = 0;
  q.end = 600;
  q.timeout_seconds = 5;
  CHECK_THROWS_WITH_AS(fetch_query_range(q), doctest::Contains("cannot connect to Prometheus at http://127.0.0.1:1"), Error);
}

TEST_CASE("credentials in the URL never appear in error messages") {
  PrometheusQuery q;
  q.url = "http://user:s3cret@127.0.0.1:1";
  q.query = "up";
  q.end = 60;
  q.timeout_seconds = 5;
  try {
    fetch_query_range(q);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("s3cret") == std::string::npos);
    CHECK(std::string(e.what()).find("***@127.0.0.1:1") != std::string::npos);
  }
}

// Reproduced by fuzz/prometheus_json: a timestamp of 1e300 became INT64_MIN seconds and the cleaning's
// interval arithmetic overflowed (UB).
TEST_CASE("query_range: a timestamp that is no unix time is refused") {
  CHECK_THROWS_WITH_AS(
      parse_query_range(R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1e300,"1"],[2,"2"]]}]}})",
                        "q.json"),
      doctest::Contains("sample timestamp 1e+300 is not unix seconds"), coldstart::Error);
  CHECK_THROWS_AS(
      parse_query_range(R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":["-inf","1"]}]}})",
                        "q.json"),
      coldstart::Error);
  CHECK(parse_query_range(R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[253402300799,"1"]}]}})",
                          "q.json")[0].points[0].timestamp == 253402300799);
}
