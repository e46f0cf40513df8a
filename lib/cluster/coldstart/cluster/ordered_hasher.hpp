// SHA-256 of a blob whose bytes land out of order (parallel Range chunks written with pwrite):
// it follows the contiguous written prefix, hashing from the writer's buffer when that buffer is
// at the frontier and from the file (the page cache) otherwise, so the digest is ready shortly
// after the last byte arrives. Thread-safe; one thread hashes at a time.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "coldstart/cluster/byte_ranges.hpp"
#include "coldstart/core/digest.hpp"

namespace coldstart::cluster {

class OrderedHasher {
 public:
  // `fd` is the file the bytes are written to (read back with pread); `size` the blob's size.
  OrderedHasher(int fd, std::uint64_t size, std::string what);

  // Bytes [begin, end) are on disk already (resumed from an earlier run).
  void add_present(std::uint64_t begin, std::uint64_t end);
  // `data` was just written at `offset`: hashes as far as the contiguous prefix now reaches,
  // unless another thread is hashing (it will pick these bytes up).
  void written(std::uint64_t offset, std::string_view data);
  // Waits for any hashing thread, hashes the rest from the file and returns "sha256:<hex>".
  // Throws Error when bytes are missing.
  std::string finish();
  // Forgets everything (a retry from byte 0). Not concurrent with written().
  void reset();
  std::uint64_t hashed() const;

 private:
  void advance(std::uint64_t offset, std::string_view data);  // called holding the token
  void hash_from_file(std::uint64_t begin, std::uint64_t end);

  int fd_;
  std::uint64_t size_;
  std::string what_;
  mutable std::mutex mutex_;
  std::condition_variable idle_;
  RangeSet written_;
  std::uint64_t hashed_ = 0;
  bool busy_ = false;  // the hashing token
  Sha256 sha_;
};

}  // namespace coldstart::cluster
