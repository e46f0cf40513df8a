// Warming files into the page cache with parallel reads: each file is cut into chunks that a few
// threads read, so the disk sees several deep, sequential streams instead of one. A reader
// sendfile()s its chunk to /dev/null: the kernel fills the page cache exactly as read() would,
// but nothing is copied to user space, which on a fast disk is most of `cat`'s time (measured:
// docs/bench-prewarm-files.md). Where a filesystem cannot splice, it falls back to pread().
// Chunks are claimed in file order, so a budget smaller than the files warms the first bytes
// first; the one file cut by the budget is read with readahead off, so it does not overrun.
#pragma once
#include <cstdint>
#include <filesystem>
#include <vector>

#include "coldstart/cluster/file_set.hpp"

namespace coldstart::cluster {

struct WarmOptions {
  unsigned threads = 4;                         // readers in parallel
  std::uint64_t chunk_bytes = 32ull << 20;      // unit of work a reader claims
  std::uint64_t read_bytes = 1ull << 20;        // one pread() where sendfile cannot be used
};

// How much of each file to warm: whole files in order while they fit in `budget_bytes`, then the
// page-aligned head of the first file that does not fit, then nothing. budget 0 = everything.
struct WarmTarget {
  std::filesystem::path path;
  std::uint64_t size_bytes = 0;
  std::uint64_t warm_bytes = 0;  // <= size_bytes
};
std::vector<WarmTarget> fit_to_budget(const std::vector<FileEntry>& files, std::uint64_t budget_bytes,
                                      std::uint64_t page_bytes);

struct WarmStats {
  std::uint64_t bytes_read = 0;
  double seconds = 0;
};

// Reads every target's warm_bytes. Throws Error naming the file on the first read failure
// (the other readers stop at their next chunk).
WarmStats warm_files(const std::vector<WarmTarget>& targets, const WarmOptions& options);

}  // namespace coldstart::cluster
