#include <doctest/doctest.h>

#include "coldstart/core/error.hpp"
#include "coldstart/core/units.hpp"

using namespace coldstart;

TEST_CASE("parse_bytes understands decimal and binary units") {
  CHECK(parse_bytes("512") == 512);
  CHECK(parse_bytes("1.5GB") == 1500000000ull);
  CHECK(parse_bytes("2GiB") == 2147483648ull);
  CHECK(parse_bytes("100 MB") == 100000000ull);
  CHECK_THROWS_AS(parse_bytes("ten"), UsageError);
  CHECK_THROWS_AS(parse_bytes("10 parsecs"), UsageError);
  CHECK_THROWS_AS(parse_bytes("-5"), UsageError);
  // Too large to count in 63 bits: an error, not a wrapped or saturated number.
  CHECK_THROWS_AS(parse_bytes("1e20"), UsageError);
  CHECK_THROWS_AS(parse_bytes("10000000TB"), UsageError);
  CHECK(parse_bytes("8000000TB") == 8000000000000000000ull);
}

TEST_CASE("parse_duration sums compound durations") {
  CHECK(parse_duration("180") == 180.0);
  CHECK(parse_duration("180s") == 180.0);
  CHECK(parse_duration("3m") == 180.0);
  CHECK(parse_duration("1h30m") == 5400.0);
  CHECK(parse_duration("14d") == 14 * 86400.0);
  CHECK(parse_duration("500ms") == doctest::Approx(0.5));
  CHECK_THROWS_AS(parse_duration(""), UsageError);
  CHECK_THROWS_AS(parse_duration("3 fortnights"), UsageError);
  CHECK_THROWS_AS(parse_duration("10 5"), UsageError);
}

TEST_CASE("format_bytes and format_duration are human-readable") {
  CHECK(format_bytes(512) == "512 B");
  CHECK(format_bytes(1536) == "1.5 KiB");
  CHECK(format_bytes(3ull << 30) == "3.0 GiB");
  CHECK(format_duration(0.25) == "250ms");
  CHECK(format_duration(3) == "3.00s");
  CHECK(format_duration(75) == "1m15s");
  CHECK(format_duration(3725) == "1h02m05s");
}
