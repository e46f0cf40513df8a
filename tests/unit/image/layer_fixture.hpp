// Real layer bytes for tests: tar archives written with libarchive's writer, compressed with zlib
// (gzip) or libzstd, and an in-memory Source serving them as an image with verified blobs.
#pragma once
#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>
#include <zstd.h>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "coldstart/core/digest.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/image/source.hpp"
#include "coldstart/image/verified_stream.hpp"

namespace layer_fixture {

struct Entry {
  std::string path;
  char type = 'f';  // f file, d directory, l symlink, h hard link
  std::string content;
  std::string link;
  std::uint64_t sparse_size = 0;  // when > 0: a file of this size made of zeros (content ignored)
};

inline Entry file(std::string path, std::string content) { return {std::move(path), 'f', std::move(content), {}}; }
inline Entry big_file(std::string path, std::uint64_t size) { return {std::move(path), 'f', {}, {}, size}; }
inline Entry dir(std::string path) { return {std::move(path), 'd', {}, {}}; }
inline Entry symlink(std::string path, std::string target) { return {std::move(path), 'l', {}, std::move(target)}; }
inline Entry hardlink(std::string path, std::string target) { return {std::move(path), 'h', {}, std::move(target)}; }
inline Entry whiteout(std::string path) { return file(std::move(path), ""); }

// format: ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FORMAT_TAR_GNUTAR, ARCHIVE_FORMAT_TAR_USTAR
inline std::string make_tar(const std::vector<Entry>& entries, int format = ARCHIVE_FORMAT_TAR_PAX_RESTRICTED) {
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format(a, format);
  archive_write_set_bytes_per_block(a, 10240);
  auto writer = [](archive*, void* client, const void* buffer, size_t size) -> la_ssize_t {
    static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), size);
    return static_cast<la_ssize_t>(size);
  };
  if (archive_write_open(a, &out, nullptr, writer, nullptr) != ARCHIVE_OK) throw std::runtime_error("tar open");
  std::string zeros(64 * 1024, '\0');
  for (const auto& e : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.path.c_str());
    archive_entry_set_mtime(entry, 1700000000, 0);
    if (e.type == 'd') {
      archive_entry_set_filetype(entry, AE_IFDIR);
      archive_entry_set_perm(entry, 0755);
    } else if (e.type == 'l') {
      archive_entry_set_filetype(entry, AE_IFLNK);
      archive_entry_set_symlink(entry, e.link.c_str());
      archive_entry_set_perm(entry, 0777);
    } else if (e.type == 'h') {
      archive_entry_set_filetype(entry, AE_IFREG);
      archive_entry_set_hardlink(entry, e.link.c_str());
      archive_entry_set_perm(entry, 0644);
      archive_entry_set_size(entry, 0);
    } else {
      archive_entry_set_filetype(entry, AE_IFREG);
      archive_entry_set_perm(entry, 0644);
      archive_entry_set_size(entry, e.sparse_size ? static_cast<la_int64_t>(e.sparse_size)
                                                  : static_cast<la_int64_t>(e.content.size()));
    }
    if (archive_write_header(a, entry) != ARCHIVE_OK) throw std::runtime_error(archive_error_string(a));
    if (e.type == 'f') {
      if (e.sparse_size) {
        for (std::uint64_t left = e.sparse_size; left > 0;) {
          auto n = std::min<std::uint64_t>(left, zeros.size());
          archive_write_data(a, zeros.data(), n);
          left -= n;
        }
      } else if (!e.content.empty()) {
        archive_write_data(a, e.content.data(), e.content.size());
      }
    }
    archive_entry_free(entry);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

inline std::string gzip(const std::string& data, int level = 6) {
  z_stream z{};
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) throw std::runtime_error("zlib");
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate");
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// With a content checksum, as the zstd command line writes it.
inline std::string zstd(const std::string& data, int level = 3) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
  std::size_t n = ZSTD_compress2(cctx, out.data(), out.size(), data.data(), data.size());
  ZSTD_freeCCtx(cctx);
  if (ZSTD_isError(n)) throw std::runtime_error("zstd");
  out.resize(n);
  return out;
}

// A ByteStream over bytes that hands out at most `chunk` bytes per read (exercises refills).
class ChunkedStream : public coldstart::image::ByteStream {
 public:
  explicit ChunkedStream(std::string bytes, std::size_t chunk = 4096) : bytes_(std::move(bytes)), chunk_(chunk) {}
  std::size_t read(char* buffer, std::size_t size) override {
    std::size_t n = std::min({size, chunk_, bytes_.size() - pos_});
    std::copy_n(bytes_.data() + pos_, n, buffer);
    pos_ += n;
    return n;
  }

 private:
  std::string bytes_;
  std::size_t chunk_;
  std::size_t pos_ = 0;
};

inline std::unique_ptr<coldstart::image::ByteStream> stream(std::string bytes, std::size_t chunk = 4096) {
  return std::make_unique<ChunkedStream>(std::move(bytes), chunk);
}

struct Layer {
  std::string blob;        // compressed bytes
  std::string media_type;  // e.g. application/vnd.oci.image.layer.v1.tar+gzip
  std::string diff_id;     // sha256 of the tar
};

inline Layer gzip_layer(const std::vector<Entry>& entries) {
  auto tar = make_tar(entries);
  return {gzip(tar), "application/vnd.oci.image.layer.v1.tar+gzip", coldstart::sha256_digest(tar)};
}
inline Layer zstd_layer(const std::vector<Entry>& entries) {
  auto tar = make_tar(entries);
  return {zstd(tar), "application/vnd.oci.image.layer.v1.tar+zstd", coldstart::sha256_digest(tar)};
}
inline Layer plain_layer(const std::vector<Entry>& entries) {
  auto tar = make_tar(entries);
  return {tar, "application/vnd.oci.image.layer.v1.tar", coldstart::sha256_digest(tar)};
}

// An image held in memory: blobs are served through the same VerifiedStream as real sources.
class MemorySource : public coldstart::image::Source {
 public:
  explicit MemorySource(std::vector<Layer> layers) {
    image_.reference = "memory:test";
    image_.manifest_digest = coldstart::sha256_digest("manifest");
    for (auto& l : layers) {
      coldstart::image::Descriptor d;
      d.media_type = l.media_type;
      d.digest = coldstart::sha256_digest(l.blob);
      d.size = static_cast<std::int64_t>(l.blob.size());
      blobs_[d.digest] = l.blob;
      image_.manifest.layers.push_back(d);
      image_.config.diff_ids.push_back(l.diff_id);
    }
  }
  std::string describe() const override { return "memory:test"; }
  coldstart::image::ResolvedImage resolve() override { return image_; }
  std::unique_ptr<coldstart::image::ByteStream> open_blob(const coldstart::image::Descriptor& d) override {
    auto it = blobs_.find(d.digest);
    if (it == blobs_.end()) throw coldstart::Error("no blob " + d.digest);
    return coldstart::image::verify_stream(stream(it->second, 64 * 1024), d, "blob " + d.digest);
  }
  coldstart::image::ResolvedImage& image() { return image_; }

 private:
  coldstart::image::ResolvedImage image_;
  std::map<std::string, std::string> blobs_;
};

}  // namespace layer_fixture
