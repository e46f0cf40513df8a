#include <doctest/doctest.h>

#include "coldstart/cluster/byte_ranges.hpp"

using namespace coldstart::cluster;

TEST_CASE("RangeSet merges overlapping and touching ranges, reports gaps") {
  RangeSet s;
  s.add(10, 20);
  s.add(30, 40);
  s.add(20, 25);  // touches the first
  CHECK(s.ranges() == std::vector<ByteRange>{{10, 25}, {30, 40}});
  s.add(5, 35);  // swallows both
  CHECK(s.ranges() == std::vector<ByteRange>{{5, 40}});
  CHECK(s.covered() == 35);
  CHECK(s.missing(50) == std::vector<ByteRange>{{0, 5}, {40, 50}});
  CHECK(s.contiguous_from(0) == 0);
  CHECK(s.contiguous_from(5) == 40);
  CHECK(s.contiguous_from(12) == 40);
  s.add(0, 5);
  CHECK(s.contiguous_from(0) == 40);
  s.add(7, 7);  // empty: ignored
  CHECK(s.ranges().size() == 1);
}

TEST_CASE("plan_chunks: a large blob is split at the chunk size, the last chunk short") {
  auto chunks = plan_chunks({{0, 200}}, 200, 2, 64, 1);
  REQUIRE(chunks.size() == 4);
  CHECK(chunks[0] == ByteRange{0, 64});
  CHECK(chunks[3] == ByteRange{192, 200});
}

TEST_CASE("plan_chunks: a mid-size blob is spread over the jobs, but not below the minimum chunk") {
  // 100 bytes, 4 jobs, 64-byte max: 25-byte chunks so four connections work on it.
  auto chunks = plan_chunks({{0, 100}}, 100, 4, 64, 1);
  CHECK(chunks.size() == 4);
  // With a 40-byte minimum, only 3 chunks.
  CHECK(plan_chunks({{0, 100}}, 100, 4, 64, 40).size() == 3);
}

TEST_CASE("plan_chunks: only the missing parts are planned (resume)") {
  auto chunks = plan_chunks({{0, 10}, {50, 100}}, 100, 1, 30, 1);
  CHECK(chunks == std::vector<ByteRange>{{0, 10}, {50, 80}, {80, 100}});
  CHECK(plan_chunks({}, 100, 8, 30, 1).empty());
}

TEST_CASE("range records: round trip, torn last line and out-of-bounds ranges are ignored") {
  std::string text = format_range_record(0, 10) + format_range_record(10, 20) + format_range_record(90, 120) +
                     "garbage\n" + "30 2x\n" + "40 50";  // torn: no newline
  auto set = parse_range_records(text, 100);
  CHECK(set.ranges() == std::vector<ByteRange>{{0, 20}});
}
