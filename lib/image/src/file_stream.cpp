#include "coldstart/image/file_stream.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

#include "coldstart/core/error.hpp"

namespace coldstart::image {

namespace {

class FileStream : public ByteStream {
 public:
  FileStream(const std::filesystem::path& path, std::uint64_t offset, std::optional<std::uint64_t> length)
      : path_(path), offset_(offset), remaining_(length) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0)
      throw Error("cannot open " + path.string() + ": " + std::strerror(errno), "check the path and permissions");
  }
  ~FileStream() override { ::close(fd_); }
  FileStream(const FileStream&) = delete;
  FileStream& operator=(const FileStream&) = delete;

  std::size_t read(char* buffer, std::size_t size) override {
    if (remaining_ && *remaining_ < size) size = static_cast<std::size_t>(*remaining_);
    if (size == 0) return 0;
    while (true) {
      ssize_t n = ::pread(fd_, buffer, size, static_cast<off_t>(offset_));
      if (n < 0) {
        if (errno == EINTR) continue;
        throw Error("cannot read " + path_.string() + ": " + std::strerror(errno));
      }
      offset_ += static_cast<std::uint64_t>(n);
      if (remaining_) *remaining_ -= static_cast<std::uint64_t>(n);
      return static_cast<std::size_t>(n);
    }
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::uint64_t offset_;
  std::optional<std::uint64_t> remaining_;
};

class MemoryStream : public ByteStream {
 public:
  explicit MemoryStream(std::string bytes) : bytes_(std::move(bytes)) {}
  std::size_t read(char* buffer, std::size_t size) override {
    std::size_t n = std::min(size, bytes_.size() - pos_);
    std::memcpy(buffer, bytes_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string bytes_;
  std::size_t pos_ = 0;
};

}  // namespace

std::unique_ptr<ByteStream> open_file_stream(const std::filesystem::path& path, std::uint64_t offset,
                                             std::optional<std::uint64_t> length) {
  return std::make_unique<FileStream>(path, offset, length);
}

std::unique_ptr<ByteStream> open_memory_stream(std::string bytes) {
  return std::make_unique<MemoryStream>(std::move(bytes));
}

}  // namespace coldstart::image
