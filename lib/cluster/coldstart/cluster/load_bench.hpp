// Timing how long model weights take to read, with a cold page cache (evicted with
// posix_fadvise(DONTNEED) after a flush, checked with mincore) and a warm one: what
// `prewarm files` buys a model server at start.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace coldstart::cluster {

// Residency and eviction come from page_cache.hpp (file_residency, evict_file).

struct LoadSample {
  double seconds = 0;
  double resident_before = 0;  // fraction of the file in the page cache when the read started
};

// Reads the whole file sequentially (4 MiB reads), as a model loader does; returns the wall time.
LoadSample time_read(const std::filesystem::path& file);

enum class LoadMode { cold, warm, both };

struct LoadResult {
  std::filesystem::path file;
  std::uint64_t bytes = 0;
  std::vector<LoadSample> cold;  // each after an eviction
  std::vector<LoadSample> warm;  // each after a full read
};

// `samples` timed reads per mode after `warmup` untimed ones. With LoadMode::cold the file is
// evicted again at the end, so it is left out of the page cache.
LoadResult bench_load(const std::filesystem::path& file, int samples, int warmup, LoadMode mode);

}  // namespace coldstart::cluster
