// LayerStream: decompressed layer bytes fed to libarchive as a plain tar through a read callback
// (no libarchive filters, so nothing is decompressed twice). Every byte handed to libarchive is
// hashed on the way, and the rest of the stream is drained after the end-of-archive marker, so the
// digest covers the whole uncompressed blob: that is the diff_id.
//
// Pipelined (the default on more than one core), one layer uses four threads joined by bounded
// block queues: read + compressed SHA-256 (the Source's verified stream) -> inflate -> uncompressed
// SHA-256 -> libarchive on the caller's thread, so one big layer is not one core's work.
#include "coldstart/image/layer_stream.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <fmt/format.h>

#include <atomic>
#include <cstring>
#include <exception>
#include <thread>
#include <vector>

#include "coldstart/image/block_pipe.hpp"

#include "coldstart/core/digest.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/log.hpp"

namespace coldstart::image {
namespace {

constexpr std::size_t kTarBuffer = 1024 * 1024;

// Replays the bytes read to sniff the magic, then continues with the blob, counting bytes.
class PrefixedStream : public ByteStream {
 public:
  PrefixedStream(std::string prefix, std::unique_ptr<ByteStream> rest, std::atomic<std::uint64_t>& counter)
      : prefix_(std::move(prefix)), rest_(std::move(rest)), counter_(counter) {}
  std::size_t read(char* buffer, std::size_t size) override {
    if (offset_ < prefix_.size()) {
      std::size_t n = std::min(size, prefix_.size() - offset_);
      std::memcpy(buffer, prefix_.data() + offset_, n);
      offset_ += n;
      return n;
    }
    std::size_t n = rest_->read(buffer, size);
    counter_.fetch_add(n, std::memory_order_relaxed);  // another thread's read when pipelined
    return n;
  }

 private:
  std::string prefix_;
  std::size_t offset_ = 0;
  std::unique_ptr<ByteStream> rest_;
  std::atomic<std::uint64_t>& counter_;
};

}  // namespace

struct LayerStream::State {
  class EntryContent : public ByteStream {
   public:
    explicit EntryContent(LayerStream& owner) : owner_(owner) {}
    std::size_t read(char* buffer, std::size_t size) override { return owner_.read(buffer, size); }

   private:
    LayerStream& owner_;
  };

  std::string what;
  Compression compression = Compression::none;
  std::atomic<std::uint64_t> compressed_bytes = 0;
  std::uint64_t uncompressed_bytes = 0;  // handed to libarchive
  Sha256 hash;                           // of the uncompressed bytes; a pipeline stage's when pipelined
  std::unique_ptr<ByteStream> tar;       // one thread: decompressed bytes, copied into `buffer`
  std::vector<char> buffer;
  std::unique_ptr<BlockStream> blocks;   // pipelined: decompressed and hashed blocks, not copied
  std::string diff_id;
  archive* reader = nullptr;
  std::exception_ptr callback_error;
  bool ended = false;
  std::unique_ptr<EntryContent> content;

  ~State() {
    if (reader) archive_read_free(reader);
    blocks.reset();  // stops the stages before the hash they feed goes away
  }

  std::string_view pull() {
    if (blocks) {
      auto block = blocks->next_block();
      uncompressed_bytes += block.size();
      return block;
    }
    std::size_t n = tar->read(buffer.data(), buffer.size());
    hash.update(buffer.data(), n);
    uncompressed_bytes += n;
    return {buffer.data(), n};
  }

  static la_ssize_t on_read(archive* a, void* client, const void** out) {
    auto* self = static_cast<State*>(client);
    try {
      auto bytes = self->pull();
      *out = bytes.data();
      return static_cast<la_ssize_t>(bytes.size());
    } catch (...) {
      self->callback_error = std::current_exception();
      archive_set_error(a, EIO, "layer stream failed");
      return -1;
    }
  }

  [[noreturn]] void fail(const char* doing) {
    if (callback_error) std::rethrow_exception(callback_error);
    const char* detail = archive_error_string(reader);
    throw Error(fmt::format("{}: corrupt tar after {} uncompressed bytes while {}: {}", what, uncompressed_bytes, doing,
                            detail ? detail : "unknown libarchive error"),
                "the layer is damaged or not a tar archive");
  }

  void finish() {
    while (!pull().empty()) {
    }
    diff_id = hash.digest();
    ended = true;
  }
};

bool pipelining_helps() { return std::thread::hardware_concurrency() > 1; }

LayerStream::LayerStream(std::unique_ptr<ByteStream> blob, std::string_view media_type, std::string what,
                         bool pipelined)
    : state_(std::make_unique<State>()) {
  auto& s = *state_;
  s.what = std::move(what);
  // Sniff the first bytes: they decide when the media type is silent or wrong.
  std::string head(4, '\0');
  std::size_t got = 0;
  while (got < head.size()) {
    std::size_t n = blob->read(head.data() + got, head.size() - got);
    if (n == 0) break;
    got += n;
  }
  head.resize(got);
  s.compressed_bytes = got;
  s.compression = compression_from_magic(head);
  auto declared = compression_from_media_type(media_type);
  if (declared && *declared != s.compression)
    log::debug("{}: media type {} says {} but the bytes are {}", s.what, media_type, to_string(*declared),
               to_string(s.compression));
  auto raw = std::make_unique<PrefixedStream>(std::move(head), std::move(blob), s.compressed_bytes);
  if (pipelined) {
    auto bytes = read_ahead(std::move(raw));  // reads and verifies the blob
    if (s.compression != Compression::none)
      bytes = read_ahead(open_decompressed(std::move(bytes), s.compression, s.what));
    bytes = tap(std::move(bytes), [hash = &s.hash](std::string_view b) { hash->update(b.data(), b.size()); });
    s.blocks = std::move(bytes);
  } else {
    s.tar = open_decompressed(std::move(raw), s.compression, s.what);
    s.buffer.resize(kTarBuffer);
  }
  s.content = std::make_unique<State::EntryContent>(*this);

  s.reader = archive_read_new();
  if (!s.reader) throw Error(s.what + ": cannot allocate a tar reader");
  archive_read_support_format_tar(s.reader);  // ustar, GNU (long names, sparse) and pax
  // libarchive reads the first block here to recognise the format.
  if (archive_read_open(s.reader, &s, nullptr, &State::on_read, nullptr) != ARCHIVE_OK) s.fail("recognising the format");
}

LayerStream::~LayerStream() = default;

bool LayerStream::next(TarEntry& entry) {
  auto& s = *state_;
  if (s.ended) return false;
  archive_entry* e = nullptr;
  int rc = archive_read_next_header(s.reader, &e);
  if (rc == ARCHIVE_EOF) {
    if (s.callback_error) std::rethrow_exception(s.callback_error);
    s.finish();
    return false;
  }
  if (rc == ARCHIVE_WARN) {
    log::debug("{}: {}", s.what, archive_error_string(s.reader) ? archive_error_string(s.reader) : "tar warning");
  } else if (rc != ARCHIVE_OK) {
    s.fail("reading an entry header");
  }
  const char* path = archive_entry_pathname(e);
  if (!path) path = archive_entry_pathname_utf8(e);
  if (!path) s.fail("decoding an entry name");
  entry.path = path;
  while (entry.path.rfind("./", 0) == 0) entry.path.erase(0, 2);
  entry.link_target.clear();
  entry.size = 0;
  entry.mode = static_cast<std::uint32_t>(archive_entry_perm(e));
  entry.file_type = static_cast<std::uint32_t>(archive_entry_filetype(e));
  entry.uid = archive_entry_uid(e);
  entry.gid = archive_entry_gid(e);
  entry.mtime_sec = archive_entry_mtime(e);
  entry.mtime_nsec = archive_entry_mtime_nsec(e);
  entry.has_atime = archive_entry_atime_is_set(e) != 0;
  entry.atime_sec = entry.has_atime ? archive_entry_atime(e) : 0;
  entry.atime_nsec = entry.has_atime ? archive_entry_atime_nsec(e) : 0;
  entry.dev_major = entry.dev_minor = 0;
  if (entry.file_type == AE_IFCHR || entry.file_type == AE_IFBLK) {
    entry.dev_major = static_cast<std::uint32_t>(archive_entry_rdevmajor(e));
    entry.dev_minor = static_cast<std::uint32_t>(archive_entry_rdevminor(e));
  }
  entry.xattrs.clear();
  if (archive_entry_xattr_reset(e) > 0) {
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK && name)
      entry.xattrs.emplace_back(name, std::string(static_cast<const char*>(value), size));
  }
  if (const char* hardlink = archive_entry_hardlink(e)) {
    entry.type = TarEntry::Type::hardlink;
    entry.file_type = 0;
    entry.link_target = hardlink;
    while (entry.link_target.rfind("./", 0) == 0) entry.link_target.erase(0, 2);
    return true;
  }
  switch (archive_entry_filetype(e)) {
    case AE_IFREG:
      entry.type = TarEntry::Type::file;
      entry.size = archive_entry_size_is_set(e) ? static_cast<std::uint64_t>(archive_entry_size(e)) : 0;
      break;
    case AE_IFDIR: entry.type = TarEntry::Type::directory; break;
    case AE_IFLNK:
      entry.type = TarEntry::Type::symlink;
      if (const char* target = archive_entry_symlink(e)) entry.link_target = target;
      break;
    default: entry.type = TarEntry::Type::other; break;
  }
  return true;
}

std::size_t LayerStream::read(char* buffer, std::size_t size) {
  auto& s = *state_;
  if (s.ended || size == 0) return 0;
  la_ssize_t n = archive_read_data(s.reader, buffer, size);
  if (n < 0) s.fail("reading entry contents");
  return static_cast<std::size_t>(n);
}

ByteStream& LayerStream::content() { return *state_->content; }
Compression LayerStream::compression() const { return state_->compression; }
std::string LayerStream::diff_id() const { return state_->diff_id; }
std::uint64_t LayerStream::compressed_bytes() const { return state_->compressed_bytes; }
std::uint64_t LayerStream::uncompressed_bytes() const { return state_->uncompressed_bytes; }

}  // namespace coldstart::image
