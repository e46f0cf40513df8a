#include "file_tree.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <system_error>

#include "coldstart/core/error.hpp"
#include "coldstart/image/file_stream.hpp"

namespace coldstart::image::detail {

namespace fs = std::filesystem;

std::string FileTree::read_small(const std::string& path, std::size_t limit) const {
  auto size = file_size(path);
  if (!size) throw Error(fmt::format("{} has no file '{}'", describe(), path), "is this an image layout or archive?");
  if (*size > limit)
    throw Error(fmt::format("'{}' in {} is {} bytes, more than the {}-byte limit", path, describe(), *size, limit));
  auto stream = open(path);
  std::string out;
  char buf[65536];
  while (std::size_t n = stream->read(buf, sizeof buf)) {
    out.append(buf, n);
    if (out.size() > limit)
      throw Error(fmt::format("'{}' in {} is larger than the {}-byte limit", path, describe(), limit));
  }
  if (out.size() != *size)
    throw Error(fmt::format("'{}' in {} is truncated ({} of {} bytes)", path, describe(), out.size(), *size));
  return out;
}

namespace {

// Paths inside a tree: relative, no "./" prefix, no "." components.
std::string normalize(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string part(path.substr(start, end - start));
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = end + 1;
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

class DirectoryTree : public FileTree {
 public:
  explicit DirectoryTree(fs::path dir) : dir_(std::move(dir)) {}
  std::string describe() const override { return "directory " + dir_.string(); }
  std::optional<std::uint64_t> file_size(const std::string& path) const override {
    std::error_code ec;
    auto full = dir_ / normalize(path);
    if (!fs::is_regular_file(full, ec)) return std::nullopt;
    auto size = fs::file_size(full, ec);
    if (ec) return std::nullopt;
    return size;
  }
  std::unique_ptr<ByteStream> open(const std::string& path) const override {
    if (!exists(path)) throw Error(fmt::format("{} has no file '{}'", describe(), path));
    return open_file_stream(dir_ / normalize(path));
  }

 private:
  fs::path dir_;
};

struct TarEntry {
  std::string link;             // target path for hard and symbolic links, else empty
  std::uint64_t size = 0;
  std::int64_t header_pos = 0;  // start of the entry's headers in the tar stream
  std::uint64_t data_pos = 0;   // start of its data (plain tar)
  fs::path extracted;           // its copy in the temp dir (compressed tar)
};

// A temporary directory that is removed with everything in it when the owner goes away, also when
// the owner's constructor throws half-way (it is a member, so it is destroyed then too).
class ScopedTempDir {
 public:
  ScopedTempDir() = default;
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;
  ~ScopedTempDir() {
    if (path_.empty()) return;
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  // Creates $TMPDIR/coldstart-archive-XXXXXX; `what` names the archive in errors.
  void create(const std::string& what) {
    std::string pattern = (fs::temp_directory_path() / "coldstart-archive-XXXXXX").string();
    if (!::mkdtemp(pattern.data()))
      throw Error(fmt::format("cannot create a temporary directory to unpack {}: {}", what, std::strerror(errno)),
                  "set TMPDIR to a writable directory");
    path_ = pattern;
  }
  const fs::path& path() const { return path_; }
  bool empty() const { return path_.empty(); }

 private:
  fs::path path_;
};

// Free bytes kept on the temp disk when unpacking a compressed archive, so coldstart never fills it.
constexpr std::uint64_t kUnpackReserveBytes = 1ull << 30;

class TarTree : public FileTree {
 public:
  explicit TarTree(fs::path file) : file_(std::move(file)) { index(); }
  TarTree(const TarTree&) = delete;
  TarTree& operator=(const TarTree&) = delete;

  std::string describe() const override { return "archive " + file_.string(); }

  std::optional<std::uint64_t> file_size(const std::string& path) const override {
    const TarEntry* e = find(path);
    if (!e) return std::nullopt;
    return e->size;
  }

  std::unique_ptr<ByteStream> open(const std::string& path) const override {
    const TarEntry* e = find(path);
    if (!e) throw Error(fmt::format("{} has no file '{}'", describe(), path));
    if (!e->extracted.empty()) return open_file_stream(e->extracted);
    return open_file_stream(file_, e->data_pos, e->size);
  }

 private:
  const TarEntry* find(const std::string& path) const {
    std::string p = normalize(path);
    for (int hops = 0; hops < 16; ++hops) {  // follow links, but never loop forever
      auto it = entries_.find(p);
      if (it == entries_.end()) return nullptr;
      if (it->second.link.empty()) return &it->second;
      p = it->second.link;
    }
    return nullptr;
  }

  [[noreturn]] void fail(archive* a, std::string_view doing) {
    std::string reason = archive_error_string(a) ? archive_error_string(a) : "unknown error";
    throw Error(fmt::format("cannot read archive {}: {} {}", file_.string(), doing, reason),
                "the archive is truncated, corrupt or not a tar file; copy or save it again");
  }

  void index() {
    std::error_code ec;
    if (fs::is_directory(file_, ec))
      throw Error(fmt::format("{} is a directory, not an archive", file_.string()), "use oci:DIR for an OCI layout directory");
    if (!fs::exists(file_, ec)) throw Error(fmt::format("archive {} does not exist", file_.string()), "check the path");
    std::uint64_t file_bytes = fs::file_size(file_, ec);

    std::unique_ptr<archive, int (*)(archive*)> guard(archive_read_new(), archive_read_free);
    archive* a = guard.get();
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    if (archive_read_open_filename(a, file_.c_str(), 1 << 16) != ARCHIVE_OK) fail(a, "");
    bool plain = true;
    std::vector<std::int64_t> header_positions;  // of every entry, in archive order
    int count = 0;
    while (true) {
      archive_entry* entry = nullptr;
      int r = archive_read_next_header(a, &entry);
      if (r == ARCHIVE_EOF) break;
      if (r < ARCHIVE_WARN) fail(a, count == 0 ? "" : "after entry " + std::to_string(count) + ":");
      if (count++ == 0) {
        plain = archive_filter_code(a, 0) == ARCHIVE_FILTER_NONE;
        if (!plain) start_unpacking();
      }
      header_positions.push_back(archive_read_header_position(a));
      const char* name = archive_entry_pathname(entry);
      if (!name) continue;
      std::string path = normalize(name);
      TarEntry e;
      e.header_pos = header_positions.back();
      if (const char* hard = archive_entry_hardlink(entry)) {
        e.link = normalize(hard);  // tar hard links name the other entry from the archive root
        entries_[path] = e;
        continue;
      }
      if (archive_entry_filetype(entry) == AE_IFLNK) {
        const char* target = archive_entry_symlink(entry);
        std::string dir = path.find('/') == std::string::npos ? "" : path.substr(0, path.rfind('/') + 1);
        if (target) e.link = normalize(target[0] == '/' ? std::string(target) : dir + target);
        entries_[path] = e;
        continue;
      }
      if (archive_entry_filetype(entry) != AE_IFREG) continue;
      e.size = static_cast<std::uint64_t>(archive_entry_size(entry));
      if (!plain) e.extracted = extract(a, path, e.size);
      entries_[path] = e;
    }
    // The end marker's position: the data of the last entry ends right before it.
    header_positions.push_back(archive_read_header_position(a));
    if (count == 0) throw Error(fmt::format("archive {} is empty or not a tar file", file_.string()), "check the file");
    if (!plain) return;

    // A plain tar stores an entry's data, padded to 512 bytes, right before the next entry's headers.
    for (auto& [path, e] : entries_) {
      if (!e.link.empty()) continue;
      auto after = std::upper_bound(header_positions.begin(), header_positions.end(), e.header_pos);
      if (after == header_positions.end()) throw Error(fmt::format("archive {} could not be indexed", file_.string()));
      std::int64_t next = *after;
      std::int64_t padded = static_cast<std::int64_t>((e.size + 511) / 512 * 512);
      std::int64_t start = next - padded;
      if (start < e.header_pos + 512 || static_cast<std::uint64_t>(start) + e.size > file_bytes)
        throw Error(fmt::format("archive {} is truncated: '{}' needs {} bytes that are not there", file_.string(),
                                path, e.size),
                    "copy or save the archive again");
      e.data_pos = static_cast<std::uint64_t>(start);
    }
  }

  // A compressed tar has no offsets to read in place: its files are unpacked to a temp dir, at most
  // the free space there minus kUnpackReserveBytes (or COLDSTART_UNPACK_LIMIT bytes when set lower).
  void start_unpacking() {
    temp_dir_.create(file_.string());
    struct statvfs disk {};
    unpack_budget_ = std::numeric_limits<std::uint64_t>::max();
    if (::statvfs(temp_dir_.path().c_str(), &disk) == 0) {
      std::uint64_t free_bytes = static_cast<std::uint64_t>(disk.f_bavail) * disk.f_frsize;
      unpack_budget_ = free_bytes > kUnpackReserveBytes ? free_bytes - kUnpackReserveBytes : 0;
    }
    if (const char* limit = std::getenv("COLDSTART_UNPACK_LIMIT")) {
      char* end = nullptr;
      unsigned long long value = std::strtoull(limit, &end, 10);
      if (end != limit && *end == '\0') unpack_budget_ = std::min<std::uint64_t>(unpack_budget_, value);
    }
  }

  void charge_unpacked(const std::string& path, std::uint64_t size) {
    if (size <= unpack_budget_ && unpacked_bytes_ <= unpack_budget_ - size) {
      unpacked_bytes_ += size;
      return;
    }
    throw Error(fmt::format("archive {} is compressed and unpacking it needs more than {} bytes in {} ('{}' alone is "
                            "{} bytes; {} unpacked so far)",
                            file_.string(), unpack_budget_, temp_dir_.path().parent_path().string(), path, size,
                            unpacked_bytes_),
                "decompress it first (e.g. gunzip -k) and pass the plain .tar, which is read in place, or set TMPDIR "
                "to a disk with more room");
  }

  // Copies the current entry's data to a temp file named by a counter (never by the entry's path).
  fs::path extract(archive* a, const std::string& path, std::uint64_t entry_size) {
    charge_unpacked(path, entry_size);
    fs::path out = temp_dir_.path() / std::to_string(extracted_++);
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw Error(fmt::format("cannot write {}: {}", out.string(), std::strerror(errno)));
    const void* buf = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    std::int64_t written = 0;
    while (true) {
      int r = archive_read_data_block(a, &buf, &size, &offset);
      if (r == ARCHIVE_EOF) break;
      if (r < ARCHIVE_WARN) {
        ::close(fd);
        fail(a, fmt::format("in '{}':", path));
      }
      if (offset != written && ::lseek(fd, offset, SEEK_SET) < 0) {  // a sparse entry's hole
        int err = errno;
        ::close(fd);
        throw Error(fmt::format("cannot unpack '{}' of archive {} to {}: {}", path, file_.string(), out.string(),
                                std::strerror(err)),
                    "set TMPDIR to a writable local disk");
      }
      const char* p = static_cast<const char*>(buf);
      std::size_t left = size;
      while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
          int err = errno;
          ::close(fd);
          throw Error(fmt::format("cannot write {}: {}", out.string(), std::strerror(err)), "is the disk full? set TMPDIR");
        }
        p += n;
        left -= static_cast<std::size_t>(n);
      }
      written = offset + static_cast<std::int64_t>(size);
    }
    ::close(fd);
    return out;
  }

  fs::path file_;
  ScopedTempDir temp_dir_;  // compressed archives only
  std::uint64_t unpack_budget_ = 0;
  std::uint64_t unpacked_bytes_ = 0;
  int extracted_ = 0;
  std::map<std::string, TarEntry> entries_;
};

}  // namespace

std::unique_ptr<FileTree> open_directory_tree(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) throw Error(fmt::format("directory {} does not exist", dir.string()), "check the path");
  if (!fs::is_directory(dir, ec))
    throw Error(fmt::format("{} is not a directory", dir.string()), "use oci-archive:FILE or docker-archive:FILE for archives");
  return std::make_unique<DirectoryTree>(dir);
}

std::unique_ptr<FileTree> open_tar_tree(const fs::path& file) { return std::make_unique<TarTree>(file); }

}  // namespace coldstart::image::detail
