#include "coldstart/cluster/byte_ranges.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <string_view>

namespace coldstart::cluster {

void RangeSet::add(std::uint64_t begin, std::uint64_t end) {
  if (begin >= end) return;
  auto it = runs_.upper_bound(begin);
  if (it != runs_.begin()) {
    auto prev = std::prev(it);
    if (prev->second >= begin) {
      begin = prev->first;
      end = std::max(end, prev->second);
      it = runs_.erase(prev);
    }
  }
  while (it != runs_.end() && it->first <= end) {
    end = std::max(end, it->second);
    it = runs_.erase(it);
  }
  runs_.emplace(begin, end);
}

std::uint64_t RangeSet::contiguous_from(std::uint64_t offset) const {
  auto it = runs_.upper_bound(offset);
  if (it == runs_.begin()) return offset;
  --it;
  return it->second > offset ? it->second : offset;
}

std::uint64_t RangeSet::covered() const {
  std::uint64_t n = 0;
  for (const auto& [b, e] : runs_) n += e - b;
  return n;
}

std::vector<ByteRange> RangeSet::ranges() const {
  std::vector<ByteRange> out;
  for (const auto& [b, e] : runs_) out.push_back({b, e});
  return out;
}

std::vector<ByteRange> RangeSet::missing(std::uint64_t size) const {
  std::vector<ByteRange> out;
  std::uint64_t at = 0;
  for (const auto& [b, e] : runs_) {
    if (b >= size) break;
    if (b > at) out.push_back({at, b});
    at = std::max(at, e);
  }
  if (at < size) out.push_back({at, size});
  return out;
}

std::vector<ByteRange> plan_chunks(const std::vector<ByteRange>& missing, std::uint64_t blob_size, int jobs,
                                   std::uint64_t max_chunk, std::uint64_t min_chunk) {
  std::uint64_t per_job = (blob_size + static_cast<std::uint64_t>(std::max(jobs, 1)) - 1) / std::max(jobs, 1);
  std::uint64_t chunk = std::max<std::uint64_t>(1, std::min(max_chunk, std::max(per_job, min_chunk)));
  std::vector<ByteRange> out;
  for (const auto& r : missing)
    for (std::uint64_t at = r.begin; at < r.end; at += chunk) out.push_back({at, std::min(r.end, at + chunk)});
  return out;
}

std::string format_range_record(std::uint64_t begin, std::uint64_t end) { return fmt::format("{} {}\n", begin, end); }

RangeSet parse_range_records(const std::string& text, std::uint64_t size) {
  RangeSet set;
  std::string_view rest(text);
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    if (nl == std::string_view::npos) break;  // a torn last record
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    auto space = line.find(' ');
    if (space == std::string_view::npos) continue;
    std::uint64_t b = 0, e = 0;
    auto r1 = std::from_chars(line.data(), line.data() + space, b);
    auto r2 = std::from_chars(line.data() + space + 1, line.data() + line.size(), e);
    if (r1.ec != std::errc() || r2.ec != std::errc() || r1.ptr != line.data() + space ||
        r2.ptr != line.data() + line.size() || b >= e || e > size)
      continue;
    set.add(b, e);
  }
  return set;
}

}  // namespace coldstart::cluster
