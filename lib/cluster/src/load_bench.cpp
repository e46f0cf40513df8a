#include "coldstart/cluster/load_bench.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

#include "coldstart/core/error.hpp"

namespace fs = std::filesystem;

namespace coldstart::cluster {
namespace {

class Fd {
 public:
  explicit Fd(const fs::path& file) : fd_(::open(file.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) throw Error(fmt::format("cannot open {}: {}", file.string(), std::strerror(errno)));
  }
  ~Fd() { ::close(fd_); }
  int get() const { return fd_; }

 private:
  int fd_;
};

std::uint64_t file_size(int fd, const fs::path& file) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw Error(fmt::format("cannot stat {}: {}", file.string(), std::strerror(errno)));
  if (!S_ISREG(st.st_mode)) throw Error(fmt::format("{} is not a regular file", file.string()));
  return static_cast<std::uint64_t>(st.st_size);
}

}  // namespace

Residency page_cache_residency(const fs::path& file) {
  Fd fd(file);
  const std::uint64_t size = file_size(fd.get(), file);
  Residency r;
  if (size == 0) return r;
  const long page = ::sysconf(_SC_PAGESIZE);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd.get(), 0);
  if (map == MAP_FAILED) throw Error(fmt::format("cannot map {}: {}", file.string(), std::strerror(errno)));
  r.pages = (size + static_cast<std::uint64_t>(page) - 1) / static_cast<std::uint64_t>(page);
  std::vector<unsigned char> vec(r.pages);
  const int rc = ::mincore(map, size, vec.data());
  const int saved = errno;
  ::munmap(map, size);
  if (rc != 0) throw Error(fmt::format("mincore on {}: {}", file.string(), std::strerror(saved)));
  for (unsigned char v : vec) r.resident += v & 1;
  return r;
}

void evict_page_cache(const fs::path& file) {
  Fd fd(file);
  ::fdatasync(fd.get());  // dirty pages cannot be dropped
  const int rc = ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_DONTNEED);
  if (rc != 0) throw Error(fmt::format("cannot evict {} from the page cache: {}", file.string(), std::strerror(rc)));
}

LoadSample time_read(const fs::path& file) {
  LoadSample sample;
  sample.resident_before = page_cache_residency(file).fraction();
  const auto start = std::chrono::steady_clock::now();
  Fd fd(file);
  std::vector<char> buffer(4 << 20);
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(fmt::format("cannot read {}: {}", file.string(), std::strerror(errno)));
    }
  }
  sample.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return sample;
}

LoadResult bench_load(const fs::path& file, int samples, int warmup, LoadMode mode) {
  LoadResult result;
  result.file = file;
  {
    Fd fd(file);
    result.bytes = file_size(fd.get(), file);
  }
  if (mode != LoadMode::warm) {
    for (int i = 0; i < warmup + samples; ++i) {
      evict_page_cache(file);
      LoadSample s = time_read(file);
      if (i >= warmup) result.cold.push_back(s);
    }
  }
  if (mode != LoadMode::cold) {
    time_read(file);  // make it warm
    for (int i = 0; i < warmup + samples; ++i) {
      LoadSample s = time_read(file);
      if (i >= warmup) result.warm.push_back(s);
    }
  } else {
    evict_page_cache(file);
  }
  return result;
}

}  // namespace coldstart::cluster
