// An exclusive flock(2) on a lock file, held for the object's lifetime. Lock files are never
// deleted (deleting one while another process waits on it would let two holders in).
#pragma once
#include <filesystem>

namespace coldstart::cluster {

class FileLock {
 public:
  FileLock() = default;
  // Blocks until the lock is ours when `wait`; otherwise returns an unlocked FileLock when another
  // process (or another FileLock in this one) holds it. Throws Error when the file cannot be opened.
  static FileLock acquire(const std::filesystem::path& path, bool wait);
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();
  bool locked() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

}  // namespace coldstart::cluster
