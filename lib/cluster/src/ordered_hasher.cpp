#include "coldstart/cluster/ordered_hasher.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "coldstart/core/error.hpp"

namespace coldstart::cluster {

OrderedHasher::OrderedHasher(int fd, std::uint64_t size, std::string what)
    : fd_(fd), size_(size), what_(std::move(what)) {}

void OrderedHasher::add_present(std::uint64_t begin, std::uint64_t end) {
  std::lock_guard lock(mutex_);
  written_.add(begin, end);
}

std::uint64_t OrderedHasher::hashed() const {
  std::lock_guard lock(mutex_);
  return hashed_;
}

void OrderedHasher::written(std::uint64_t offset, std::string_view data) {
  {
    std::lock_guard lock(mutex_);
    written_.add(offset, offset + data.size());
    if (busy_) return;
    busy_ = true;
  }
  try {
    advance(offset, data);
  } catch (...) {
    std::lock_guard lock(mutex_);
    busy_ = false;
    idle_.notify_all();
    throw;
  }
  std::lock_guard lock(mutex_);
  busy_ = false;
  idle_.notify_all();
}

void OrderedHasher::advance(std::uint64_t offset, std::string_view data) {
  for (;;) {
    std::uint64_t from, to;
    {
      std::lock_guard lock(mutex_);
      from = hashed_;
      to = written_.contiguous_from(hashed_);
    }
    if (to <= from) return;
    if (!data.empty() && from >= offset && from < offset + data.size()) {
      // The caller's buffer is at the frontier: hash it from memory.
      to = std::min<std::uint64_t>(to, offset + data.size());
      sha_.update(data.data() + (from - offset), to - from);
    } else {
      hash_from_file(from, to);
    }
    std::lock_guard lock(mutex_);
    hashed_ = to;
  }
}

void OrderedHasher::hash_from_file(std::uint64_t begin, std::uint64_t end) {
  thread_local std::vector<char> buffer(1 << 20);
  while (begin < end) {
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), end - begin));
    ssize_t n = ::pread(fd_, buffer.data(), want, static_cast<off_t>(begin));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw Error(fmt::format("cannot read back {} at byte {}: {}", what_, begin, n < 0 ? std::strerror(errno) : "file is shorter"));
    sha_.update(buffer.data(), static_cast<std::size_t>(n));
    begin += static_cast<std::uint64_t>(n);
  }
}

std::string OrderedHasher::finish() {
  {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [&] { return !busy_; });
    busy_ = true;
  }
  struct Release {
    OrderedHasher* h;
    ~Release() {
      std::lock_guard lock(h->mutex_);
      h->busy_ = false;
      h->idle_.notify_all();
    }
  } release{this};
  advance(0, {});
  std::uint64_t hashed = this->hashed();
  if (hashed != size_)
    throw Error(fmt::format("{} is incomplete: {} of {} bytes arrived in order", what_, hashed, size_));
  return sha_.digest();
}

void OrderedHasher::reset() {
  std::lock_guard lock(mutex_);
  written_ = RangeSet();
  hashed_ = 0;
  sha_ = Sha256();
}

}  // namespace coldstart::cluster
