// The node cache: an OCI image layout (oci-layout, index.json, blobs/sha256/<hex>) that skopeo,
// crane and containerd read as it is, written so that nothing unverified is ever visible in it.
//
//   DIR/oci-layout, DIR/index.json      the layout (index.json replaced atomically, under a lock)
//   DIR/blobs/sha256/<hex>              verified blobs only: renamed in after digest and size match
//   DIR/ingest/<hex>.partial            a blob being written (pwrite by parallel chunks)
//   DIR/ingest/<hex>.ranges             which byte ranges of the partial are on disk ("BEGIN END" lines)
//   DIR/ingest/<hex>.lock, index.lock   flock(2) files: one writer per blob, one index.json editor
//
// Two processes may pull into one DIR at once: each blob has one writer at a time and the others
// wait for it, then find the blob present.
#pragma once
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "coldstart/cluster/byte_ranges.hpp"
#include "coldstart/cluster/file_lock.hpp"
#include "coldstart/image/manifest.hpp"

namespace coldstart::cluster {

class BlobStore {
 public:
  // Opens DIR, creating the layout when DIR is missing or empty. Throws Error (one line) when DIR
  // cannot be created or written, or holds something that is not an OCI layout.
  explicit BlobStore(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path blob_path(std::string_view digest) const;

  // Whether blobs/ holds the blob with the descriptor's size; with `verify`, also re-hashes it,
  // and removes it when the content is wrong (so it is fetched again).
  bool has_blob(const image::Descriptor& descriptor, bool verify) const;

  // Stores a small document (manifest, config) after checking its digest and size: temp, fsync, rename.
  void put_blob(const image::Descriptor& descriptor, std::string_view bytes);

  class Ingest;
  // Claims the right to write one blob (its lock file). With `wait` false, returns nullptr when
  // another writer holds it. Reopens a partial file left by an interrupted run.
  std::unique_ptr<Ingest> open_ingest(const image::Descriptor& descriptor, bool wait);

  // Points index.json's entry for `tag` at `manifest` (replacing an older one), annotated with
  // org.opencontainers.image.ref.name=tag and, when not empty, io.containerd.image.name=full_ref.
  void tag_image(const image::Descriptor& manifest, const std::string& tag, const std::string& full_ref);

 private:
  std::filesystem::path root_;
};

// A blob being written: holds its lock until destroyed; never visible in blobs/ before commit().
class BlobStore::Ingest {
 public:
  Ingest(const BlobStore& store, image::Descriptor descriptor, FileLock lock);
  ~Ingest();
  Ingest(const Ingest&) = delete;
  Ingest& operator=(const Ingest&) = delete;

  const image::Descriptor& descriptor() const { return descriptor_; }
  // The blob appeared in blobs/ while we waited for the lock: nothing to write.
  bool already_present() const { return present_; }
  // Byte ranges on disk from an interrupted earlier run.
  const RangeSet& resumed() const { return resumed_; }
  int fd() const { return fd_; }

  // pwrite, all of it; disk full and permission errors become one clear line.
  void write_at(std::uint64_t offset, std::string_view data);
  // Notes that [begin, end) is on disk (appended to the .ranges record) and starts its writeback.
  void record(std::uint64_t begin, std::uint64_t end);
  // Starts over from byte 0 (after a digest mismatch on resumed bytes).
  void reset();
  // `computed` is the digest of the bytes written: checks it and the size, fsyncs, renames into
  // blobs/ and drops the partial's records. Throws (and discards the partial) on a mismatch.
  void commit(const std::string& computed, std::uint64_t written_size);
  // Removes the partial and its record.
  void discard();

 private:
  const BlobStore& store_;
  image::Descriptor descriptor_;
  FileLock lock_;
  std::filesystem::path partial_, ranges_;
  int fd_ = -1, ranges_fd_ = -1;
  bool present_ = false;
  RangeSet resumed_;
  std::mutex record_mutex_;
};

}  // namespace coldstart::cluster
