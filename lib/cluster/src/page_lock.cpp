#include "coldstart/cluster/page_lock.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "coldstart/core/error.hpp"
#include "unique_fd.hpp"

namespace coldstart::cluster {

namespace {
// The system calls themselves: AddressSanitizer's mlock/munlock interceptors are no-ops, which
// would make --lock a silent lie in sanitizer builds.
int lock_range(void* address, std::size_t length) { return static_cast<int>(::syscall(SYS_mlock, address, length)); }
int unlock_range(void* address, std::size_t length) { return static_cast<int>(::syscall(SYS_munlock, address, length)); }
}  // namespace

PageLock::~PageLock() {
  for (const auto& m : mappings_) {
    unlock_range(m.address, m.length);
    ::munmap(m.address, m.length);
  }
}

void PageLock::lock(const std::filesystem::path& path, std::uint64_t bytes) {
  if (bytes == 0) return;
  UniqueFd fd = open_for_reading(path, "prewarm files --lock");
  std::size_t length = static_cast<std::size_t>(bytes);
  void* address = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, fd.get(), 0);
  if (address == MAP_FAILED)
    throw Error("prewarm files --lock: cannot map " + path.string() + ": " + std::strerror(errno));
  if (lock_range(address, length) != 0) {
    int err = errno;
    ::munmap(address, length);
    throw Error("prewarm files --lock: cannot lock " + path.string() + " in memory: " + std::strerror(err),
                "raise the locked-memory limit (ulimit -l, LimitMEMLOCK= in systemd) or grant CAP_IPC_LOCK");
  }
  mappings_.push_back({address, length});
  locked_bytes_ += bytes;
}

namespace {
sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}
}  // namespace

int block_stop_signals() {
  sigset_t set = stop_signals();
  return pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_stop_signal() {
  sigset_t set = stop_signals();
  int signal_number = 0;
  while (sigwait(&set, &signal_number) != 0) {
  }
  return signal_number;
}

}  // namespace coldstart::cluster
