// Keeping files resident, like `vmtouch -l`: each file is mapped read-only and mlock()ed, so the
// kernel cannot drop its pages while this object lives. The caller stays in the foreground and
// releases the lock when it is told to stop (SIGINT/SIGTERM).
#pragma once
#include <cstdint>
#include <filesystem>
#include <vector>

namespace coldstart::cluster {

class PageLock {
 public:
  PageLock() = default;
  PageLock(const PageLock&) = delete;
  PageLock& operator=(const PageLock&) = delete;
  ~PageLock();

  // Maps and locks the first `bytes` of the file (page-rounded). Throws Error naming the file;
  // an mlock refusal says to raise `ulimit -l` (RLIMIT_MEMLOCK) or run with CAP_IPC_LOCK.
  void lock(const std::filesystem::path& path, std::uint64_t bytes);
  std::uint64_t locked_bytes() const { return locked_bytes_; }

 private:
  struct Mapping {
    void* address;
    std::size_t length;
  };
  std::vector<Mapping> mappings_;
  std::uint64_t locked_bytes_ = 0;
};

// Blocks SIGINT and SIGTERM for this thread (call before starting other threads, so no thread
// takes them), then waits for one; returns its number.
int block_stop_signals();
int wait_for_stop_signal();

}  // namespace coldstart::cluster
