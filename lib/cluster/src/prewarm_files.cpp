#include "coldstart/cluster/prewarm_files.hpp"

#include <chrono>

#include "coldstart/cluster/page_cache.hpp"
#include "coldstart/core/error.hpp"

namespace coldstart::cluster {

std::string to_string(FilesMode mode) {
  switch (mode) {
    case FilesMode::warm: return "warm";
    case FilesMode::lock: return "lock";
    case FilesMode::evict: return "evict";
    case FilesMode::check: return "check";
  }
  return "warm";
}

namespace {

std::uint64_t default_budget(std::uint64_t mem_available) { return mem_available / 10 * 9; }

void scan(std::vector<FileReport>& files, std::uint64_t FileReport::*field) {
  for (auto& f : files) f.*field = file_residency(f.path).resident_bytes();
}

}  // namespace

PrewarmFilesReport prewarm_files(const std::vector<FileEntry>& files, const PrewarmFilesOptions& options,
                                 PageLock* lock) {
  PrewarmFilesReport report;
  report.mode = options.mode;
  report.threads = options.warm.threads;
  report.mem_available_bytes = options.mem_available_bytes ? options.mem_available_bytes : mem_available_bytes();
  for (const auto& f : files) {
    report.files.push_back({f.path.string(), f.size_bytes, 0, 0, 0});
    report.size_bytes += f.size_bytes;
  }
  scan(report.files, &FileReport::resident_before_bytes);

  auto start = std::chrono::steady_clock::now();
  if (options.mode == FilesMode::warm || options.mode == FilesMode::lock) {
    report.budget_bytes = options.max_bytes ? options.max_bytes : default_budget(report.mem_available_bytes);
    auto targets = fit_to_budget(files, report.budget_bytes, page_size());
    for (std::size_t i = 0; i < targets.size(); ++i) {
      report.files[i].warm_bytes = targets[i].warm_bytes;
      report.not_warmed_bytes += targets[i].size_bytes - targets[i].warm_bytes;
    }
    report.bytes_read = warm_files(targets, options.warm).bytes_read;
    if (options.mode == FilesMode::lock) {
      if (!lock) throw Error("prewarm files --lock: internal error: no lock holder");
      for (const auto& t : targets) lock->lock(t.path, t.warm_bytes);
      report.locked_bytes = lock->locked_bytes();
    }
  } else if (options.mode == FilesMode::evict) {
    for (const auto& f : files) evict_file(f.path);
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  if (options.mode == FilesMode::check) {
    for (auto& f : report.files) f.resident_after_bytes = f.resident_before_bytes;
  } else {
    scan(report.files, &FileReport::resident_after_bytes);
  }
  for (const auto& f : report.files) {
    report.resident_before_bytes += f.resident_before_bytes;
    report.resident_after_bytes += f.resident_after_bytes;
  }
  return report;
}

}  // namespace coldstart::cluster
