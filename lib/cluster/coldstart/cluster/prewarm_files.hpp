// coldstart prewarm files: residency before, then warm / evict / check, residency after, as one
// report (docs/prewarm.md#prewarm-files for the JSON schema). --lock keeps what was warmed
// resident through a PageLock the caller holds until it is told to stop.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "coldstart/cluster/file_set.hpp"
#include "coldstart/cluster/page_cache_warmer.hpp"
#include "coldstart/cluster/page_lock.hpp"

namespace coldstart::cluster {

enum class FilesMode { warm, lock, evict, check };
std::string to_string(FilesMode mode);

struct PrewarmFilesOptions {
  FilesMode mode = FilesMode::warm;
  WarmOptions warm;
  // Bytes to warm at most; 0 = the default budget: 90 % of MemAvailable, so warming a file larger
  // than memory keeps its head resident instead of evicting what it just read.
  std::uint64_t max_bytes = 0;
  std::uint64_t mem_available_bytes = 0;  // 0 = read /proc/meminfo
};

struct FileReport {
  std::string path;
  std::uint64_t size_bytes = 0;
  std::uint64_t warm_bytes = 0;  // planned for warm/lock; 0 for check/evict
  std::uint64_t resident_before_bytes = 0;
  std::uint64_t resident_after_bytes = 0;
};

struct PrewarmFilesReport {
  FilesMode mode = FilesMode::warm;
  std::vector<FileReport> files;
  std::uint64_t size_bytes = 0;
  std::uint64_t resident_before_bytes = 0;
  std::uint64_t resident_after_bytes = 0;
  std::uint64_t bytes_read = 0;
  double seconds = 0;  // warm/evict time, residency scans excluded
  std::uint64_t mem_available_bytes = 0;
  std::uint64_t budget_bytes = 0;
  std::uint64_t not_warmed_bytes = 0;  // bytes left out because they do not fit in the budget
  std::uint64_t locked_bytes = 0;
  unsigned threads = 0;
  bool fits() const { return not_warmed_bytes == 0; }
  double throughput_bytes_per_second() const { return seconds > 0 ? static_cast<double>(bytes_read) / seconds : 0; }
};

// Runs the mode on the files. For FilesMode::lock, `lock` receives the locked mappings and the
// caller keeps it alive until it should release them.
PrewarmFilesReport prewarm_files(const std::vector<FileEntry>& files, const PrewarmFilesOptions& options,
                                 PageLock* lock = nullptr);

nlohmann::ordered_json prewarm_files_to_json(const PrewarmFilesReport& report);
std::string render_prewarm_files_table(const PrewarmFilesReport& report, bool markdown = false);

}  // namespace coldstart::cluster
