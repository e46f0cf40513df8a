#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "coldstart/core/error.hpp"
#include "coldstart/predict/csv_reader.hpp"
#include "coldstart/predict/series_io.hpp"
#include "coldstart/predict/timestamp.hpp"

using namespace coldstart;
using namespace coldstart::predict;

namespace {
std::string error_of(std::string_view text, const CsvColumns& cols = {}) {
  try {
    parse_csv(text, "m.csv", cols);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("parse_timestamp reads unix seconds, milliseconds and ISO 8601 variants") {
  CHECK(*parse_timestamp("1404172800") == 1404172800.0);
  CHECK(*parse_timestamp("1404172800.5") == 1404172800.5);
  CHECK(*parse_timestamp("1404172800000") == 1404172800.0);  // ms
  CHECK(*parse_timestamp("2014-07-01 00:00:00") == 1404172800.0);
  CHECK(*parse_timestamp("2014-07-01T00:00:00Z") == 1404172800.0);
  CHECK(*parse_timestamp("2014-07-01T02:00:00+02:00") == 1404172800.0);
  CHECK(*parse_timestamp("2014-06-30T19:00:00-0500") == 1404172800.0);
  CHECK(*parse_timestamp("2014-07-01T00:00:00.250Z") == doctest::Approx(1404172800.25));
  CHECK(*parse_timestamp("2014-07-01T00:00") == 1404172800.0);
  CHECK(*parse_timestamp("2014-07-01") == 1404172800.0);
  CHECK(*parse_timestamp("\"2014-07-01 00:30:00\"") == 1404174600.0);
  CHECK(*parse_timestamp("2000-02-29 00:00:00") == 951782400.0);  // leap day
  CHECK_FALSE(parse_timestamp("2014-02-30 00:00:00"));
  CHECK_FALSE(parse_timestamp("2014-13-01"));
  CHECK_FALSE(parse_timestamp("timestamp"));
  CHECK_FALSE(parse_timestamp("2014-07-01 25:00:00"));
  CHECK_FALSE(parse_timestamp("2014-07-01T00:00:00Q"));
  CHECK_FALSE(parse_timestamp(""));
}

TEST_CASE("parse_time_flag accepts now and rejects junk with the flag name") {
  CHECK(parse_time_flag("now", "--end") > 1'600'000'000);
  CHECK(parse_time_flag("2014-07-01T00:00:00Z", "--end") == 1404172800);
  CHECK_THROWS_WITH_AS(parse_time_flag("yesterday", "--end"), doctest::Contains("--end"), UsageError);
}

TEST_CASE("CSV with a header, ISO timestamps and CRLF line ends") {
  auto p = parse_csv("timestamp,value\r\n2014-07-01 00:00:00,10844\r\n2014-07-01 00:30:00,8127\r\n", "m.csv");
  REQUIRE(p.size() == 2);
  CHECK(p[0].timestamp == 1404172800);
  CHECK(p[0].value == 10844);
  CHECK(p[1].timestamp == 1404174600);
  CHECK(p[1].value == 8127);
}

TEST_CASE("CSV without a header, unix seconds, comments and blank lines") {
  auto p = parse_csv("# exported\n\n100,1.5\n160,2\n", "m.csv");
  REQUIRE(p.size() == 2);
  CHECK(p[0].timestamp == 100);
  CHECK(p[1].value == 2.0);
}

TEST_CASE("CSV columns by name or index, other separators, quoted cells") {
  std::string text = "host;value;time\n\"a;b\";5;1404172800\nb;7;1404172860\n";
  auto by_name = parse_csv(text, "m.csv", {"time", "value"});
  REQUIRE(by_name.size() == 2);
  CHECK(by_name[1].timestamp == 1404172860);
  CHECK(by_name[1].value == 7);
  CHECK(by_name[0].value == 5);
  auto defaults = parse_csv(text, "m.csv");  // finds "time" and "value" by themselves
  CHECK(defaults[0].timestamp == 1404172800);
  auto by_index = parse_csv("1,100,9\n2,160,8\n", "m.csv", {"1", "2"});
  CHECK(by_index[1].timestamp == 160);
  CHECK(by_index[1].value == 8);
  CHECK(parse_csv("ts\tv\n100\t3\n", "m.csv")[0].value == 3);
}

TEST_CASE("CSV values: NaN, Inf and empty cells are kept as non-finite") {
  auto p = parse_csv("100,NaN\n160,\n220,+Inf\n280,-1e3\n", "m.csv");
  REQUIRE(p.size() == 4);
  CHECK(std::isnan(p[0].value));
  CHECK(std::isnan(p[1].value));
  CHECK(std::isinf(p[2].value));
  CHECK(p[3].value == -1000);
}

TEST_CASE("malformed CSV rows name the file and the line number") {
  CHECK(error_of("timestamp,value\n100,1\n160,abc\n") == std::string("m.csv:3: value 'abc' in column 'value' is not a number "
                                                                     "(fix or delete the row, or pick the column with --value-column)"));
  CHECK(error_of("timestamp,value\n# note\n100,1\n\n2014-13-45,2\n").find("m.csv:5: timestamp '2014-13-45'") == 0);
  CHECK(error_of("timestamp,value\n100,1\n160\n").find("m.csv:3: row has 1 column(s), expected at least 2") == 0);
  CHECK(error_of("1,2,3\n").empty());  // three columns are fine
  // A bad first row is an error on line 1, not mistaken for a header.
  CHECK(error_of("2014-13-45 00:00:00,5\n2014-07-01 00:00:00,6\n").find("m.csv:1: timestamp '2014-13-45 00:00:00'") == 0);
}

TEST_CASE("empty CSV and unknown columns give clear errors") {
  CHECK(error_of("").find("m.csv: no data rows") == 0);
  CHECK(error_of("timestamp,value\n").find("m.csv: no data rows") == 0);
  CHECK_THROWS_WITH_AS(parse_csv("timestamp,value\n1,2\n", "m.csv", {"", "cpu"}),
                       doctest::Contains("columns are: timestamp, value"), UsageError);
  CHECK_THROWS_WITH_AS(parse_csv("1,2\n", "m.csv", {"time", ""}), doctest::Contains("no header line"), UsageError);
}

TEST_CASE("load_metrics reads the bundled nyc_taxi CSV at its 30-minute step") {
  MetricsInput in;
  in.file = std::string(COLDSTART_SOURCE_DIR) + "/examples/metrics/nyc_taxi.csv";
  auto loaded = load_metrics(in);
  CHECK(loaded.series.name == "nyc_taxi");
  CHECK(loaded.series.step == 1800);
  CHECK(loaded.series.start == 1404172800);
  CHECK(loaded.series.values.size() == 10320);
  CHECK(loaded.series.values[0] == 10844);
  CHECK(loaded.series.values[1] == 8127);
  CHECK(loaded.report.points_read == 10320);
  CHECK(loaded.report.step_inferred);
  CHECK(loaded.report.long_gaps == 0);
  CHECK(loaded.report.outliers_clipped == 0);
}

TEST_CASE("load_metrics rejects contradictory inputs as usage errors") {
  MetricsInput none;
  CHECK_THROWS_AS(load_metrics(none), UsageError);
  MetricsInput both;
  both.file = "x.csv";
  both.prometheus_url = "http://127.0.0.1:1";
  CHECK_THROWS_AS(load_metrics(both), UsageError);
  MetricsInput series_without_by;
  series_without_by.file = "x.csv";
  series_without_by.series = "a";
  CHECK_THROWS_AS(load_metrics(series_without_by), UsageError);
  MetricsInput missing;
  missing.file = "/nonexistent/m.csv";
  CHECK_THROWS_WITH_AS(load_metrics(missing), doctest::Contains("/nonexistent/m.csv"), Error);
}

// Reproduced by fuzz/metrics_csv: "1e300" became INT64_MIN seconds and the cleaning's interval
// arithmetic overflowed (UBSan: signed integer overflow in clean.cpp).
TEST_CASE("timestamps beyond 1e12 unix seconds are refused, the year 9999 is not") {
  CHECK_FALSE(parse_timestamp("1e300").has_value());
  CHECK_FALSE(parse_timestamp("-1e300").has_value());
  CHECK_FALSE(parse_timestamp("1e30").has_value());  // read as nanoseconds: still 1e21 s
  CHECK(*parse_timestamp("9999-12-31T23:59:59Z") == 253402300799.0);
  CHECK(*parse_timestamp("1404172800000000000") == 1404172800.0);
  CHECK_THROWS_WITH_AS(parse_csv("timestamp,value\n1e300,1\n1,2\n", "m.csv"),
                       doctest::Contains("m.csv:2: timestamp '1e300'"), Error);
}
