#include "coldstart/cluster/page_cache_warmer.hpp"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include "coldstart/core/error.hpp"
#include "unique_fd.hpp"

namespace coldstart::cluster {

std::vector<WarmTarget> fit_to_budget(const std::vector<FileEntry>& files, std::uint64_t budget_bytes,
                                      std::uint64_t page_bytes) {
  std::vector<WarmTarget> out;
  out.reserve(files.size());
  std::uint64_t left = budget_bytes;
  for (const auto& f : files) {
    WarmTarget t{f.path, f.size_bytes, f.size_bytes};
    if (budget_bytes != 0) {
      if (f.size_bytes <= left) {
        left -= f.size_bytes;
      } else {
        t.warm_bytes = page_bytes ? left / page_bytes * page_bytes : left;
        left = 0;
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

namespace {

struct Chunk {
  std::size_t target = 0;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

std::vector<Chunk> cut_into_chunks(const std::vector<WarmTarget>& targets, std::uint64_t chunk_bytes) {
  std::vector<Chunk> chunks;
  for (std::size_t i = 0; i < targets.size(); ++i)
    for (std::uint64_t off = 0; off < targets[i].warm_bytes; off += chunk_bytes)
      chunks.push_back({i, off, std::min(chunk_bytes, targets[i].warm_bytes - off)});
  return chunks;
}

class Readers {
 public:
  Readers(const std::vector<WarmTarget>& targets, const WarmOptions& options)
      : targets_(targets), options_(options), chunks_(cut_into_chunks(targets, std::max<std::uint64_t>(options.chunk_bytes, 1))) {}

  std::uint64_t run() {
    unsigned n = std::max(1u, std::min<unsigned>(options_.threads, static_cast<unsigned>(std::max<std::size_t>(chunks_.size(), 1))));
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < n; ++i) threads.emplace_back([this] { reader(); });
    for (auto& t : threads) t.join();
    if (error_) std::rethrow_exception(error_);
    return bytes_.load();
  }

 private:
  void reader() {
    try {
      UniqueFd devnull = open_for_writing_null();
      std::unique_ptr<char[]> buffer;  // only for the pread() fallback
      std::size_t open_target = static_cast<std::size_t>(-1);
      UniqueFd fd;
      for (;;) {
        if (failed_.load(std::memory_order_relaxed)) return;
        std::size_t index = next_.fetch_add(1);
        if (index >= chunks_.size()) return;
        const Chunk& c = chunks_[index];
        const auto& target = targets_[c.target];
        bool cut = target.warm_bytes < target.size_bytes;
        if (c.target != open_target) {
          fd = open_for_reading(target.path, "prewarm files");
          open_target = c.target;
          // Readahead would run past the budget's end on the file it cuts: read only what is asked.
          if (cut) ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_RANDOM);
        }
        // The hint queues the whole chunk at once; with readahead off it is what fills the cache.
        if (cut) ::posix_fadvise(fd.get(), static_cast<off_t>(c.offset), static_cast<off_t>(c.length), POSIX_FADV_WILLNEED);
        std::uint64_t done = devnull.get() >= 0 && !no_sendfile_.load(std::memory_order_relaxed)
                                 ? send_range(fd, devnull, target, c)
                                 : 0;
        if (done < c.length) {
          if (!buffer) buffer = std::make_unique<char[]>(std::max<std::uint64_t>(options_.read_bytes, 4096));
          done += read_range(fd, target, c, done, buffer.get());
        }
        bytes_ += done;
      }
    } catch (...) {
      std::lock_guard lock(mutex_);
      if (!error_) error_ = std::current_exception();
      failed_ = true;
    }
  }

  static UniqueFd open_for_writing_null() { return UniqueFd(::open("/dev/null", O_WRONLY | O_CLOEXEC)); }

  // sendfile() to /dev/null: the file's pages go through the page cache, no byte reaches user
  // space. Returns the bytes sent; fewer than asked (0 on EINVAL/ENOSYS: this filesystem cannot
  // splice) leaves the rest to read_range.
  std::uint64_t send_range(const UniqueFd& fd, const UniqueFd& devnull, const WarmTarget& target, const Chunk& c) {
    auto offset = static_cast<off_t>(c.offset);
    std::uint64_t done = 0;
    while (done < c.length) {
      std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(c.length - done, 1ull << 30));
      ssize_t sent = ::sendfile(devnull.get(), fd.get(), &offset, want);
      if (sent < 0) {
        if (errno == EINTR) continue;
        if (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP) {
          no_sendfile_ = true;
          return done;
        }
        throw Error("prewarm files: cannot read " + target.path.string() + ": " + std::strerror(errno));
      }
      if (sent == 0) return done;  // the file shrank while we read it: read_range sees the end
      done += static_cast<std::uint64_t>(sent);
    }
    return done;
  }

  std::uint64_t read_range(const UniqueFd& fd, const WarmTarget& target, const Chunk& c, std::uint64_t done,
                           char* buffer) {
    std::uint64_t start = done;
    while (done < c.length) {
      std::size_t want = static_cast<std::size_t>(std::min(options_.read_bytes, c.length - done));
      ssize_t got = ::pread(fd.get(), buffer, want, static_cast<off_t>(c.offset + done));
      if (got < 0) {
        if (errno == EINTR) continue;
        throw Error("prewarm files: cannot read " + target.path.string() + ": " + std::strerror(errno));
      }
      if (got == 0) break;  // the file shrank while we read it: warm what is there
      done += static_cast<std::uint64_t>(got);
    }
    return done - start;
  }

  const std::vector<WarmTarget>& targets_;
  const WarmOptions& options_;
  std::vector<Chunk> chunks_;
  std::atomic<std::size_t> next_{0};
  std::atomic<std::uint64_t> bytes_{0};
  std::atomic<bool> failed_{false};
  std::atomic<bool> no_sendfile_{false};
  std::mutex mutex_;
  std::exception_ptr error_;
};

}  // namespace

WarmStats warm_files(const std::vector<WarmTarget>& targets, const WarmOptions& options) {
  auto start = std::chrono::steady_clock::now();
  Readers readers(targets, options);
  WarmStats stats;
  stats.bytes_read = readers.run();
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return stats;
}

}  // namespace coldstart::cluster
