// A layer blob read once: decompressed (gzip via ISA-L, zstd, or plain tar, detected by media type
// and magic bytes) and walked entry by entry with libarchive, in constant memory. The compressed
// bytes are verified by the Source stream; the uncompressed bytes are hashed into the diff_id.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coldstart/image/source.hpp"

namespace coldstart::image {

enum class Compression { none, gzip, zstd };
std::string_view to_string(Compression compression);

// From the layer media type (…tar+gzip, …tar.gzip, …tar+zstd, …tar); nullopt when it does not say.
std::optional<Compression> compression_from_media_type(std::string_view media_type);
// From the first bytes: 1f 8b -> gzip, 28 b5 2f fd -> zstd, anything else -> none.
Compression compression_from_magic(std::string_view first_bytes);

// The decompression-bomb guard: a layer whose uncompressed bytes pass kInflateRatioFloorBytes and
// more than `max_inflate_ratio` times its compressed bytes so far is refused (real layers, even of
// text, stay far below 100:1; kilobytes of zeros inflate 1000:1 with gzip and more with zstd).
// Process-wide, set once from the CLI's --max-inflate-ratio; 0 = no limit.
constexpr double kDefaultMaxInflateRatio = 500;
constexpr std::uint64_t kInflateRatioFloorBytes = 1ull << 30;
void set_max_inflate_ratio(double ratio);
double max_inflate_ratio();

// Decompresses `compressed` (multi-member gzip and multi-frame zstd included). Throws Error naming
// `what` on corrupt or truncated input, and past the inflate ratio above.
std::unique_ptr<ByteStream> open_decompressed(std::unique_ptr<ByteStream> compressed, Compression compression,
                                              std::string what);

struct TarEntry {
  enum class Type { file, directory, symlink, hardlink, other };
  std::string path;         // as in the archive, with a leading "./" removed
  Type type = Type::other;
  std::uint64_t size = 0;   // content bytes (0 for all but regular files)
  std::string link_target;  // symlink or hard link target
  std::uint32_t mode = 0;   // permission bits, setuid/setgid/sticky included (07777)
  // What a runtime restores on unpack (containerd's applier), filled for every entry.
  std::uint32_t file_type = 0;  // S_IFREG, S_IFDIR, S_IFLNK, S_IFCHR, S_IFBLK, S_IFIFO; 0 for hard links
  std::int64_t uid = 0, gid = 0;  // numeric ids (names are ignored, as containerd does)
  std::int64_t mtime_sec = 0, mtime_nsec = 0;
  bool has_atime = false;
  std::int64_t atime_sec = 0, atime_nsec = 0;
  std::uint32_t dev_major = 0, dev_minor = 0;                   // character and block devices
  std::vector<std::pair<std::string, std::string>> xattrs;      // PAX SCHILY.xattr.* records
};

// True when the machine has more than one core, so a pipelined LayerStream can use them.
bool pipelining_helps();

class LayerStream {
 public:
  // `media_type` may be empty; the magic bytes decide when the media type does not or disagrees.
  // `what` names the layer in errors (e.g. its digest). `pipelined`: read + verify, decompress and
  // hash on three more threads (bounded memory, same results and errors), or all on the caller's.
  LayerStream(std::unique_ptr<ByteStream> blob, std::string_view media_type, std::string what,
              bool pipelined = pipelining_helps());
  ~LayerStream();
  LayerStream(const LayerStream&) = delete;
  LayerStream& operator=(const LayerStream&) = delete;

  // Moves to the next entry; false at the end of the archive, once the rest of the stream was
  // read and hashed (diff_id() is then valid). Unread content of the previous entry is skipped.
  bool next(TarEntry& entry);
  // Reads content of the current entry; 0 at its end.
  std::size_t read(char* buffer, std::size_t size);
  // The current entry's content as a ByteStream (valid until next()).
  ByteStream& content();

  Compression compression() const;
  std::string diff_id() const;              // "sha256:<hex>" of the uncompressed bytes; after the end
  std::uint64_t compressed_bytes() const;   // read so far
  std::uint64_t uncompressed_bytes() const; // read so far

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace coldstart::image
