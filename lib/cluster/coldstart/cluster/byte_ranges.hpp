// Which bytes of a blob are on disk, and how to split the rest into HTTP Range chunks.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace coldstart::cluster {

struct ByteRange {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;  // exclusive
  std::uint64_t size() const { return end - begin; }
  bool operator==(const ByteRange&) const = default;
};

// A set of disjoint half-open ranges; adding merges overlapping and touching ones.
class RangeSet {
 public:
  void add(std::uint64_t begin, std::uint64_t end);
  // End of the run that covers `offset` (`offset` itself when that byte is missing).
  std::uint64_t contiguous_from(std::uint64_t offset) const;
  std::uint64_t covered() const;
  std::vector<ByteRange> ranges() const;
  // The parts of [0, size) not in the set.
  std::vector<ByteRange> missing(std::uint64_t size) const;

 private:
  std::map<std::uint64_t, std::uint64_t> runs_;  // begin -> end
};

// Splits the missing parts of a blob into chunks for parallel Range requests: each at most
// `max_chunk` bytes, and no smaller than needed to give `jobs` connections something to do
// (but not below `min_chunk`), so a mid-size blob still uses several connections.
std::vector<ByteRange> plan_chunks(const std::vector<ByteRange>& missing, std::uint64_t blob_size, int jobs,
                                   std::uint64_t max_chunk, std::uint64_t min_chunk = 8ull << 20);

// The record of finished ranges kept beside a partial blob: one "BEGIN END" line per range.
std::string format_range_record(std::uint64_t begin, std::uint64_t end);
// Parses such a file; malformed lines (a torn last write) are ignored; ranges past `size` dropped.
RangeSet parse_range_records(const std::string& text, std::uint64_t size);

}  // namespace coldstart::cluster
