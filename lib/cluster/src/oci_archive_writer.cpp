#include "oci_archive_writer.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "coldstart/core/digest.hpp"
#include "coldstart/core/error.hpp"

namespace coldstart::cluster::detail {

namespace {

constexpr std::size_t kChunk = 1 << 20;
constexpr std::time_t kEpoch = 1700000000;  // fixed mtime: the stream does not depend on when it ran

// A failed write is recorded in the sink and the bytes are swallowed, never reported to libarchive:
// a writer in libarchive's FATAL state skips its close on free and leaks (3.6). The writer checks
// the sink after every call instead, and once it failed or was abandoned nothing reaches the fd.
la_ssize_t write_callback(struct archive*, void* context, const void* buffer, size_t length) {
  auto* ctx = static_cast<OciArchiveWriter::Sink*>(context);
  if (ctx->abandoned || ctx->failed()) return static_cast<la_ssize_t>(length);
  const char* p = static_cast<const char*>(buffer);
  size_t left = length;
  while (left > 0) {
    ssize_t n = ::write(ctx->fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      if (errno == EPIPE) ctx->closed = true;
      else ctx->error = errno;
      return static_cast<la_ssize_t>(length);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  return static_cast<la_ssize_t>(length);
}

int close_callback(struct archive*, void*) { return ARCHIVE_OK; }  // the fd belongs to the caller

struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

OciArchiveWriter::OciArchiveWriter(int fd) : sink_{fd} {
  archive_ = archive_write_new();
  if (!archive_) throw Error("cannot allocate a tar writer (libarchive)");
  archive_write_set_format_pax_restricted(archive_);
  archive_write_set_bytes_per_block(archive_, 0);  // no 10 KiB re-blocking: our 1 MiB chunks pass through
  if (archive_write_open(archive_, &sink_, nullptr, write_callback, close_callback) != ARCHIVE_OK) {
    std::string message = archive_error_string(archive_) ? archive_error_string(archive_) : "unknown error";
    archive_write_free(archive_);
    archive_ = nullptr;
    throw Error("cannot start the tar stream: " + message);
  }
}

OciArchiveWriter::~OciArchiveWriter() {
  if (!archive_) return;
  // Abandoned mid-stream: free must not pad the open entry and end the tar, which would hand the
  // reader a well-formed archive holding a truncated blob. The sink swallows those last bytes.
  if (!finished_) sink_.abandoned = true;
  archive_write_free(archive_);
}

void OciArchiveWriter::write_header(const std::string& name, std::int64_t size) {
  std::unique_ptr<archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(), archive_entry_free);
  archive_entry_set_pathname(entry.get(), name.c_str());
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_perm(entry.get(), 0644);
  archive_entry_set_size(entry.get(), size);
  archive_entry_set_mtime(entry.get(), kEpoch, 0);
  if (archive_write_header(archive_, entry.get()) != ARCHIVE_OK || sink_.failed())
    fail_write("the tar header of " + name);
}

void OciArchiveWriter::write_data(const char* data, std::size_t size) {
  while (size > 0) {
    la_ssize_t n = archive_write_data(archive_, data, size);
    if (n <= 0 || sink_.failed()) fail_write("the tar stream");
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

void OciArchiveWriter::fail_write(const std::string& what) {
  if (sink_.closed) throw StreamClosed("the reader closed the stream");
  const char* why = sink_.error ? std::strerror(sink_.error) : archive_error_string(archive_);
  throw Error(fmt::format("writing {} failed: {}", what, why ? why : "unknown error"));
}

void OciArchiveWriter::add_file(const std::string& name, std::string_view content) {
  write_header(name, static_cast<std::int64_t>(content.size()));
  write_data(content.data(), content.size());
}

void OciArchiveWriter::add_blob(const std::filesystem::path& file, const image::Descriptor& blob, bool verify) {
  FdCloser in{::open(file.c_str(), O_RDONLY | O_CLOEXEC)};
  if (in.fd < 0)
    throw Error(fmt::format("cannot read blob {}: {}", file.string(), std::strerror(errno)),
                "run coldstart prewarm pull again to complete the cache");
  ::posix_fadvise(in.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  auto colon = blob.digest.find(':');
  write_header("blobs/" + blob.digest.substr(0, colon) + "/" + blob.digest.substr(colon + 1), blob.size);

  Sha256 hash;
  std::vector<char> buffer(kChunk);
  std::uint64_t left = static_cast<std::uint64_t>(blob.size);
  while (left > 0) {
    ssize_t n = ::read(in.fd, buffer.data(), std::min<std::uint64_t>(left, buffer.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(fmt::format("reading blob {} failed: {}", file.string(), std::strerror(errno)));
    if (n == 0)
      throw Error(fmt::format("blob {} is shorter than its descriptor says ({} bytes)", file.string(), blob.size),
                  "the cache is damaged; run coldstart prewarm pull again");
    left -= static_cast<std::uint64_t>(n);
    if (verify) {
      hash.update(buffer.data(), static_cast<std::size_t>(n));
      // Check before the last byte leaves, so the reader never sees a whole corrupt blob.
      if (left == 0) {
        std::string actual = hash.digest();
        if (actual != blob.digest)
          throw Error(fmt::format("blob {} is corrupt: its content hashes to {}", file.string(), actual),
                      "delete it and run coldstart prewarm pull again");
      }
    }
    write_data(buffer.data(), static_cast<std::size_t>(n));
    blob_bytes_ += static_cast<std::uint64_t>(n);
  }
  char extra;
  if (::read(in.fd, &extra, 1) > 0)
    throw Error(fmt::format("blob {} is longer than its descriptor says ({} bytes)", file.string(), blob.size),
                "the cache is damaged; run coldstart prewarm pull again");
}

void OciArchiveWriter::finish() {
  if (archive_write_close(archive_) != ARCHIVE_OK || sink_.failed()) fail_write("the end of the tar stream");
  finished_ = true;
}

}  // namespace coldstart::cluster::detail
