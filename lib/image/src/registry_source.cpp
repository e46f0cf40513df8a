// RegistrySource: image::Source over the distribution API (registry_client.hpp).
#include "coldstart/image/registry_source.hpp"

#include <fmt/format.h>

#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include "coldstart/core/digest.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/image/registry_client.hpp"

namespace coldstart::image {

namespace {

constexpr int kMaxNesting = 4;

std::string reference_text(const Reference& r) {
  std::string s = r.registry + "/" + r.repository;
  if (!r.tag.empty()) s += ":" + r.tag;
  if (!r.digest.empty()) s += "@" + r.digest;
  return s;
}

// Turns the client's push callbacks into a pull ByteStream. A download thread runs the transfer
// (on a pooled curl handle, so connections are reused); each chunk curl delivers is handed to
// read() as a view of curl's own buffer and copied once, straight into the reader's buffer, while
// the download thread waits: no intermediate copies, no queue. Verifies size and digest at the
// end; destroying the stream early cancels the download.
class RegistryBlobStream : public ByteStream {
 public:
  RegistryBlobStream(std::shared_ptr<RegistryClient> client, std::string repository, Descriptor descriptor)
      : descriptor_(std::move(descriptor)), what_(repository + "@" + descriptor_.digest) {
    worker_ = std::thread([this, client = std::move(client), repository = std::move(repository)] {
      std::exception_ptr error;
      try {
        client->fetch_blob(repository, descriptor_.digest, [this](std::string_view chunk) { hand_over(chunk); });
      } catch (...) {
        error = std::current_exception();
      }
      std::lock_guard lock(mutex_);
      error_ = error;
      done_ = true;
      ready_.notify_all();
    });
  }

  ~RegistryBlobStream() override {
    {
      std::lock_guard lock(mutex_);
      cancelled_ = true;
      taken_.notify_all();
    }
    worker_.join();
  }

  std::size_t read(char* buffer, std::size_t size) override {
    if (size == 0) return 0;
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return !pending_.empty() || done_; });
    if (pending_.empty()) {
      if (error_) std::rethrow_exception(error_);
      if (!verified_) {
        verified_ = true;
        if (descriptor_.size >= 0 && received_ != static_cast<std::uint64_t>(descriptor_.size))
          throw Error(fmt::format("size mismatch for blob {}: expected {} bytes, got {}", what_, descriptor_.size,
                                  received_),
                      "the registry sent a truncated or different blob");
        verify_digest(descriptor_.digest, hash_.digest(), "blob " + what_);
      }
      return 0;
    }
    std::size_t n = std::min(size, pending_.size());
    std::memcpy(buffer, pending_.data(), n);
    pending_.remove_prefix(n);
    if (pending_.empty()) taken_.notify_all();
    return n;
  }

 private:
  // On the download thread: hash the chunk, lend it to read() and wait until it is all taken.
  void hand_over(std::string_view chunk) {
    received_ += chunk.size();
    if (descriptor_.size >= 0 && received_ > static_cast<std::uint64_t>(descriptor_.size))
      throw Error(fmt::format("blob {} is larger than its descriptor's {} bytes", what_, descriptor_.size),
                  "the registry sent a different blob");
    hash_.update(chunk);
    std::unique_lock lock(mutex_);
    if (cancelled_) throw Error("download of blob " + what_ + " cancelled");
    pending_ = chunk;
    ready_.notify_all();
    taken_.wait(lock, [&] { return pending_.empty() || cancelled_; });
    pending_ = {};  // curl reuses its buffer after we return
    if (cancelled_) throw Error("download of blob " + what_ + " cancelled");
  }

  Descriptor descriptor_;
  std::string what_;
  std::mutex mutex_;
  std::condition_variable ready_, taken_;
  std::string_view pending_;  // curl's buffer, lent by the download thread until read() empties it
  std::uint64_t received_ = 0;  // written by the download thread; read after done_ (under mutex_)
  Sha256 hash_;
  bool done_ = false, cancelled_ = false, verified_ = false;
  std::exception_ptr error_;
  std::thread worker_;
};

class RegistrySource : public Source {
 public:
  RegistrySource(Reference reference, const SourceOptions& options)
      : reference_(std::move(reference)),
        options_(options),
        client_(std::make_shared<RegistryClient>(reference_.registry, options)) {}

  std::string describe() const override { return "docker://" + reference_text(reference_); }

  ResolvedImage resolve() override {
    ResolvedImage image;
    image.reference = reference_text(reference_);
    const std::string& repo = reference_.repository;
    std::string ref = reference_.manifest_reference();
    std::optional<Platform> selected_platform;
    for (int depth = 0;; ++depth) {
      if (depth == kMaxNesting) throw Error(fmt::format("{} nests indexes more than {} deep", describe(), kMaxNesting));
      auto doc = client_->get_manifest(repo, ref);
      std::string what = fmt::format("manifest {} of {}", short_digest(doc.digest), describe());
      std::string media = detect_media_type(doc.bytes, what);
      if (is_index_media_type(media)) {
        if (!image.index_digest) image.index_digest = doc.digest;
        Index index = parse_index(doc.bytes, what);
        const Descriptor& chosen = select_platform(index, options_.platform, what);
        selected_platform = chosen.platform;
        ref = chosen.digest;  // verified against the bytes by get_manifest
        continue;
      }
      image.manifest = parse_manifest(doc.bytes, what);
      image.manifest_digest = doc.digest;
      image.manifest_media_type = media;
      image.manifest_json = std::move(doc.bytes);
      break;
    }
    if (selected_platform) image.platform = *selected_platform;
    image.config_digest = image.manifest.config.digest;
    image.config_json = client_->get_blob(repo, image.manifest.config, max_document_bytes());
    image.config = parse_config(image.config_json,
                                fmt::format("config {} of {}", short_digest(image.config_digest), describe()));
    if (!image.config.platform.os.empty() && !image.config.platform.architecture.empty())
      image.platform = image.config.platform;
    return image;
  }

  std::unique_ptr<ByteStream> open_blob(const Descriptor& descriptor) override {
    require_valid_digest(descriptor.digest, "blob of " + describe());
    if (!descriptor.digest.starts_with("sha256:"))
      throw Error(fmt::format("unsupported digest algorithm in {}", descriptor.digest), "coldstart verifies sha256 digests only");
    return std::make_unique<RegistryBlobStream>(client_, reference_.repository, descriptor);
  }

  std::vector<std::string> list_tags() override { return client_->list_tags(reference_.repository); }

  std::vector<std::string> list_tags(int page_size) { return client_->list_tags(reference_.repository, page_size); }

 private:
  Reference reference_;
  SourceOptions options_;
  std::shared_ptr<RegistryClient> client_;
};

}  // namespace

std::unique_ptr<Source> open_registry_source(const Reference& reference, const SourceOptions& options) {
  return std::make_unique<RegistrySource>(reference, options);
}

std::vector<std::string> list_registry_tags(const Reference& reference, const SourceOptions& options, int page_size) {
  return RegistryClient(reference.registry, options).list_tags(reference.repository, page_size);
}

}  // namespace coldstart::image
