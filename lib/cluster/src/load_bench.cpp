#include "coldstart/cluster/load_bench.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

#include "coldstart/cluster/page_cache.hpp"
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

namespace {
double resident_fraction(const fs::path& file) {
  const Residency r = file_residency(file);
  return r.pages ? static_cast<double>(r.resident_pages) / static_cast<double>(r.pages) : 1.0;
}
}  // namespace

LoadSample time_read(const fs::path& file) {
  LoadSample sample;
  sample.resident_before = resident_fraction(file);
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
      evict_file(file);
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
    evict_file(file);
  }
  return result;
}

}  // namespace coldstart::cluster
