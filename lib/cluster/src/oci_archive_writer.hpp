// Internal: writes an OCI image layout as a tar stream (the oci-archive format ctr and skopeo read)
// to a file descriptor, blob by blob, without a temp file. PAX headers, so blobs over 8 GiB work.
#pragma once
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

#include "coldstart/image/manifest.hpp"

struct archive;

namespace coldstart::cluster::detail {

// The reader of the stream went away (EPIPE): the caller asks the reader why.
class StreamClosed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class OciArchiveWriter {
 public:
  explicit OciArchiveWriter(int fd);
  ~OciArchiveWriter();
  OciArchiveWriter(const OciArchiveWriter&) = delete;
  OciArchiveWriter& operator=(const OciArchiveWriter&) = delete;

  void add_file(const std::string& name, std::string_view content);
  // blobs/<alg>/<hex> from `file`, which must hold exactly the descriptor's size; with `verify`
  // its SHA-256 is checked before the last byte is written, so a corrupt blob never completes in
  // the stream. Throws Error naming `file` on mismatch or read failure.
  void add_blob(const std::filesystem::path& file, const image::Descriptor& blob, bool verify);
  void finish();  // the two zero blocks that end a tar; without it, nothing more is written

  std::uint64_t blob_bytes() const { return blob_bytes_; }

 private:
  void write_header(const std::string& name, std::int64_t size);
  void write_data(const char* data, std::size_t size);

  void fail_write(const std::string& what);

 public:
  struct Sink {  // what libarchive's write callback writes to
    int fd;
    bool closed = false;  // the reader went away (EPIPE)
    bool abandoned = false;  // the writer is being dropped mid-stream: nothing more reaches fd
    int error = 0;           // errno of a failed write (other than EPIPE)
    bool failed() const { return closed || error != 0; }
  };

 private:
  struct archive* archive_ = nullptr;
  Sink sink_;
  bool finished_ = false;
  std::uint64_t blob_bytes_ = 0;
};

}  // namespace coldstart::cluster::detail
