#include "coldstart/cluster/page_cache.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "coldstart/core/error.hpp"
#include "unique_fd.hpp"

namespace coldstart::cluster {

std::uint64_t page_size() {
  static const std::uint64_t size = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

std::uint64_t Residency::resident_bytes() const {
  return std::min(resident_pages * page_size(), size_bytes);
}

Residency file_residency(const std::filesystem::path& path) {
  UniqueFd fd = open_for_reading(path, "prewarm files");
  Residency r;
  r.size_bytes = file_size_of(fd, path);
  r.pages = (r.size_bytes + page_size() - 1) / page_size();
  if (r.size_bytes == 0) return r;
  // Window the mapping so the mincore vector stays small on a 20 GB file.
  constexpr std::uint64_t kWindow = 1ull << 30;
  std::vector<unsigned char> vec;
  for (std::uint64_t offset = 0; offset < r.size_bytes; offset += kWindow) {
    std::size_t length = static_cast<std::size_t>(std::min(kWindow, r.size_bytes - offset));
    void* addr = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, fd.get(), static_cast<off_t>(offset));
    if (addr == MAP_FAILED)
      throw Error("prewarm files: cannot map " + path.string() + ": " + std::strerror(errno));
    vec.assign((length + page_size() - 1) / page_size(), 0);
    int rc = ::mincore(addr, length, vec.data());
    int err = errno;
    ::munmap(addr, length);
    if (rc != 0) throw Error("prewarm files: mincore failed on " + path.string() + ": " + std::strerror(err));
    for (unsigned char v : vec) r.resident_pages += v & 1;
  }
  return r;
}

void evict_file(const std::filesystem::path& path) {
  UniqueFd fd = open_for_reading(path, "prewarm files --evict");
  ::fdatasync(fd.get());  // dirty pages cannot be dropped; a failure here only means less is dropped
  int rc = ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_DONTNEED);
  if (rc != 0) throw Error("prewarm files --evict: cannot drop " + path.string() + ": " + std::strerror(rc));
}

std::uint64_t parse_mem_available(std::string_view meminfo) {
  std::istringstream in{std::string(meminfo)};
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("MemAvailable:", 0) != 0) continue;
    std::uint64_t kib = 0;
    auto pos = line.find_first_of("0123456789");
    if (pos == std::string::npos) return 0;
    std::from_chars(line.data() + pos, line.data() + line.size(), kib);
    return kib * 1024;
  }
  return 0;
}

std::uint64_t mem_available_bytes() {
  std::ifstream in("/proc/meminfo");
  if (!in) return 0;
  std::stringstream text;
  text << in.rdbuf();
  return parse_mem_available(text.str());
}

}  // namespace coldstart::cluster
