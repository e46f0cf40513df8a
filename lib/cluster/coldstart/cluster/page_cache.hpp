// The kernel page cache, per file: how much of a file is resident (mincore over a read-only
// mmap, as vmtouch does), dropping it (posix_fadvise DONTNEED, like `vmtouch -e`), and the
// memory the kernel says it can still give (MemAvailable).
#pragma once
#include <cstdint>
#include <filesystem>
#include <string_view>

namespace coldstart::cluster {

struct Residency {
  std::uint64_t size_bytes = 0;
  std::uint64_t pages = 0;           // ceil(size / page size)
  std::uint64_t resident_pages = 0;  // pages in the page cache now
  std::uint64_t resident_bytes() const;  // resident pages, capped at the file size
};

std::uint64_t page_size();

// Resident pages of one file. Throws Error naming the path when it cannot be opened or mapped.
Residency file_residency(const std::filesystem::path& path);

// Drops the file's clean pages from the page cache. Dirty pages are written back first
// (fdatasync) so that a file written just before is dropped too.
void evict_file(const std::filesystem::path& path);

// MemAvailable from /proc/meminfo in bytes (the kernel's estimate of memory usable without
// swapping, page cache that can be dropped included). 0 when it cannot be read.
std::uint64_t mem_available_bytes();
// Parses a /proc/meminfo text; 0 when MemAvailable is missing.
std::uint64_t parse_mem_available(std::string_view meminfo);

}  // namespace coldstart::cluster
