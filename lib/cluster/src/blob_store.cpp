#include "coldstart/cluster/blob_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <random>

#include "coldstart/cluster/store_errors.hpp"
#include "coldstart/core/digest.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/file.hpp"

namespace coldstart::cluster {

namespace fs = std::filesystem;

namespace {

constexpr const char* kRefName = "org.opencontainers.image.ref.name";
constexpr const char* kContainerdName = "io.containerd.image.name";

std::string hex_of(std::string_view digest) {
  if (!digest.starts_with("sha256:") || !is_valid_digest(digest))
    throw Error(fmt::format("cannot store blob {}", digest), "the cache holds sha256 blobs only");
  return std::string(digest.substr(7));
}

void make_dir(const fs::path& path) {
  if (::mkdir(path.c_str(), 0755) == 0) return;
  int e = errno;
  struct stat st {};
  if (e == EEXIST && ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return;
  throw_store_error("cannot create directory", path, e == EEXIST ? ENOTDIR : e);
}

void fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// Writes `data` to a new temp file in `dir`, fsynced; returns its path.
fs::path write_temp(const fs::path& dir, std::string_view data) {
  std::random_device rd;
  fs::path tmp = dir / fmt::format("tmp-{:08x}{:08x}", rd(), rd());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw_store_error("cannot write", tmp, errno);
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw_store_error("cannot write", tmp, e);
    }
    off += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int e = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    throw_store_error("cannot write", tmp, e);
  }
  ::close(fd);
  return tmp;
}

void rename_into(const fs::path& from, const fs::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    int e = errno;
    ::unlink(from.c_str());
    throw_store_error("cannot move a verified blob to", to, e);
  }
  fsync_dir(to.parent_path());
}

std::string hash_file(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_store_error("cannot read", path, errno);
  Sha256 sha;
  std::string buffer(1 << 20, '\0');
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      throw_store_error("cannot read", path, e);
    }
    if (n == 0) break;
    sha.update(buffer.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  return sha.digest();
}

}  // namespace

BlobStore::BlobStore(fs::path root) : root_(std::move(root)) {
  std::error_code ec;
  if (root_.empty()) throw UsageError("--cache names no directory");
  bool existed = fs::exists(root_, ec);
  if (existed && !fs::is_directory(root_, ec)) throw_store_error("cannot use cache", root_, ENOTDIR);
  if (existed && !fs::exists(root_ / "oci-layout", ec)) {
    // Empty, or a layout another prewarm is creating right now: ours. Anything else is not.
    for (const auto& entry : fs::directory_iterator(root_, ec)) {
      auto name = entry.path().filename().string();
      if (name != "blobs" && name != "ingest" && name != "index.json")
        throw Error(fmt::format("cache {} is not empty and holds no OCI image layout", root_.string()),
                    "choose an empty or new directory for --cache");
    }
  }
  if (!existed) {
    fs::create_directories(root_, ec);
    if (ec) throw_store_error("cannot create cache directory", root_, ec.value());
  }
  make_dir(root_ / "blobs");
  make_dir(root_ / "blobs" / "sha256");
  make_dir(root_ / "ingest");
  if (!fs::exists(root_ / "oci-layout", ec)) {
    fs::path tmp = write_temp(root_ / "ingest", R"({"imageLayoutVersion":"1.0.0"})");
    rename_into(tmp, root_ / "oci-layout");
  }
  if (!fs::exists(root_ / "index.json", ec)) {
    FileLock lock = FileLock::acquire(root_ / "ingest" / "index.lock", true);
    if (!fs::exists(root_ / "index.json", ec)) {
      fs::path tmp = write_temp(
          root_ / "ingest", R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})");
      rename_into(tmp, root_ / "index.json");
    }
  }
}

fs::path BlobStore::blob_path(std::string_view digest) const { return root_ / "blobs" / "sha256" / hex_of(digest); }

bool BlobStore::has_blob(const image::Descriptor& descriptor, bool verify) const {
  fs::path path = blob_path(descriptor.digest);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  bool ok = S_ISREG(st.st_mode) && static_cast<std::int64_t>(st.st_size) == descriptor.size;
  if (ok && !verify) return true;
  // Wrong size, or re-hash asked: check under the blob's lock, so a writer's fresh rename is not lost.
  FileLock lock = FileLock::acquire(root_ / "ingest" / (hex_of(descriptor.digest) + ".lock"), true);
  if (::stat(path.c_str(), &st) != 0) return false;
  ok = S_ISREG(st.st_mode) && static_cast<std::int64_t>(st.st_size) == descriptor.size &&
       (!verify || hash_file(path) == descriptor.digest);
  if (!ok && ::unlink(path.c_str()) != 0 && errno != ENOENT) throw_store_error("cannot remove corrupt blob", path, errno);
  return ok;
}

void BlobStore::put_blob(const image::Descriptor& descriptor, std::string_view bytes) {
  verify_digest(descriptor.digest, sha256_digest(bytes), "document " + descriptor.digest);
  if (static_cast<std::int64_t>(bytes.size()) != descriptor.size)
    throw Error(fmt::format("size mismatch for {}: expected {} bytes, got {}", descriptor.digest, descriptor.size,
                            bytes.size()));
  if (has_blob(descriptor, false)) return;
  rename_into(write_temp(root_ / "ingest", bytes), blob_path(descriptor.digest));
}

std::unique_ptr<BlobStore::Ingest> BlobStore::open_ingest(const image::Descriptor& descriptor, bool wait) {
  FileLock lock = FileLock::acquire(root_ / "ingest" / (hex_of(descriptor.digest) + ".lock"), wait);
  if (!lock.locked()) return nullptr;
  return std::make_unique<Ingest>(*this, descriptor, std::move(lock));
}

void BlobStore::tag_image(const image::Descriptor& manifest, const std::string& tag, const std::string& full_ref) {
  FileLock lock = FileLock::acquire(root_ / "ingest" / "index.lock", true);
  fs::path index_path = root_ / "index.json";
  auto index = nlohmann::ordered_json::parse(read_file(index_path, 16u << 20), nullptr, false);
  if (!index.is_object() || (index.contains("manifests") && !index["manifests"].is_array()))
    throw Error(fmt::format("{} is not an OCI index", index_path.string()), "repair or remove the cache directory");
  auto kept = nlohmann::ordered_json::array();
  if (index.contains("manifests"))
    for (auto& entry : index["manifests"]) {
      bool same_tag = !tag.empty() && entry.contains("annotations") && entry["annotations"].is_object() &&
                      entry["annotations"].value(kRefName, "") == tag;
      bool same_untagged = tag.empty() && entry.value("digest", "") == manifest.digest &&
                           !(entry.contains("annotations") && entry["annotations"].contains(kRefName));
      if (!same_tag && !same_untagged) kept.push_back(entry);
    }
  nlohmann::ordered_json entry;
  entry["mediaType"] = manifest.media_type;
  entry["digest"] = manifest.digest;
  entry["size"] = manifest.size;
  if (manifest.platform) {
    entry["platform"]["architecture"] = manifest.platform->architecture;
    entry["platform"]["os"] = manifest.platform->os;
    if (!manifest.platform->variant.empty()) entry["platform"]["variant"] = manifest.platform->variant;
  }
  auto annotations = nlohmann::ordered_json::object();
  if (!full_ref.empty()) annotations[kContainerdName] = full_ref;
  if (!tag.empty()) annotations[kRefName] = tag;
  if (!annotations.empty()) entry["annotations"] = annotations;
  kept.push_back(entry);
  if (!index.contains("schemaVersion")) index["schemaVersion"] = 2;
  index["manifests"] = kept;
  rename_into(write_temp(root_ / "ingest", index.dump(2) + "\n"), index_path);
}

// ---- Ingest ----

BlobStore::Ingest::Ingest(const BlobStore& store, image::Descriptor descriptor, FileLock lock)
    : store_(store), descriptor_(std::move(descriptor)), lock_(std::move(lock)) {
  std::string hex = hex_of(descriptor_.digest);
  partial_ = store_.root() / "ingest" / (hex + ".partial");
  ranges_ = store_.root() / "ingest" / (hex + ".ranges");
  // We hold the lock: a blob of the wrong size in blobs/ is ours to remove (has_blob would lock again).
  fs::path final_path = store_.blob_path(descriptor_.digest);
  struct stat existing {};
  if (::stat(final_path.c_str(), &existing) == 0) {
    if (S_ISREG(existing.st_mode) && static_cast<std::int64_t>(existing.st_size) == descriptor_.size) {
      present_ = true;
      return;
    }
    ::unlink(final_path.c_str());
  }
  fd_ = ::open(partial_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw_store_error("cannot write", partial_, errno);
  struct stat st {};
  ::fstat(fd_, &st);
  std::uint64_t on_disk = std::min<std::uint64_t>(static_cast<std::uint64_t>(st.st_size),
                                                  static_cast<std::uint64_t>(descriptor_.size));
  std::error_code ec;
  if (fs::exists(ranges_, ec)) resumed_ = parse_range_records(read_file(ranges_, 64u << 20), on_disk);
  ranges_fd_ = ::open(ranges_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (ranges_fd_ < 0) throw_store_error("cannot write", ranges_, errno);
}

BlobStore::Ingest::~Ingest() {
  if (fd_ >= 0) ::close(fd_);
  if (ranges_fd_ >= 0) ::close(ranges_fd_);
}

void BlobStore::Ingest::write_at(std::uint64_t offset, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_store_error("cannot write blob " + short_digest(descriptor_.digest) + " to", partial_, errno);
    data.remove_prefix(static_cast<std::size_t>(n));
    offset += static_cast<std::uint64_t>(n);
  }
}

void BlobStore::Ingest::record(std::uint64_t begin, std::uint64_t end) {
  // Start writeback now, so the fsync before the rename has little left to do.
  ::sync_file_range(fd_, static_cast<off_t>(begin), static_cast<off_t>(end - begin), SYNC_FILE_RANGE_WRITE);
  std::string line = format_range_record(begin, end);
  std::lock_guard lock(record_mutex_);
  if (::write(ranges_fd_, line.data(), line.size()) < 0)
    throw_store_error("cannot write", ranges_, errno);
}

void BlobStore::Ingest::reset() {
  resumed_ = RangeSet();
  if (::ftruncate(fd_, 0) != 0) throw_store_error("cannot truncate", partial_, errno);
  if (::ftruncate(ranges_fd_, 0) != 0) throw_store_error("cannot truncate", ranges_, errno);
}

void BlobStore::Ingest::discard() {
  ::unlink(partial_.c_str());
  ::unlink(ranges_.c_str());
}

void BlobStore::Ingest::commit(const std::string& computed, std::uint64_t written_size) {
  if (written_size != static_cast<std::uint64_t>(descriptor_.size)) {
    discard();
    throw Error(fmt::format("size mismatch for blob {}: expected {} bytes, got {}", descriptor_.digest,
                            descriptor_.size, written_size),
                "the source sent a different blob; it was not stored");
  }
  if (computed != descriptor_.digest) {
    discard();
    throw Error(fmt::format("digest mismatch for blob {}: expected {}, got {}", descriptor_.digest,
                            descriptor_.digest, computed),
                "the content is corrupt or was changed; it was not stored");
  }
  if (::fdatasync(fd_) != 0) throw_store_error("cannot sync", partial_, errno);
  rename_into(partial_, store_.blob_path(descriptor_.digest));
  ::unlink(ranges_.c_str());
  // The lock file can go too: whoever locks it (or a new one) from now on finds the blob present.
  ::unlink((store_.root() / "ingest" / (hex_of(descriptor_.digest) + ".lock")).c_str());
}

}  // namespace coldstart::cluster
