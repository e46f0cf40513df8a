#include "cached_image.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <system_error>

#include "coldstart/cluster/containerd_import.hpp"
#include "coldstart/core/digest.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/file.hpp"

namespace coldstart::cluster::detail {

namespace {

namespace fs = std::filesystem;

constexpr const char* kRefName = "org.opencontainers.image.ref.name";
constexpr const char* kImageName = "io.containerd.image.name";
constexpr int kMaxNesting = 4;  // index -> index -> manifest is already unusual
const char* const kHint = "run coldstart prewarm pull again to complete the cache";

std::string annotation(const image::Descriptor& d, const char* key) {
  auto it = d.annotations.find(key);
  return it == d.annotations.end() ? std::string() : it->second;
}

// The annotation's reference in canonical form, or empty when it is not a full reference.
std::string canonical(const std::string& text) {
  if (text.empty()) return {};
  try {
    return image::Reference::parse(text).to_string();
  } catch (const Error&) {
    return {};
  }
}

std::string describe(const image::Descriptor& d) {
  std::string name = annotation(d, kImageName);
  if (name.empty()) name = annotation(d, kRefName);
  return name.empty() ? d.digest : name + " (" + short_digest(d.digest) + ")";
}

class Collector {
 public:
  explicit Collector(const fs::path& layout) : layout_(layout) {}

  void add(const image::Descriptor& d, const std::string& what, int depth) {
    require_valid_digest(d.digest, what);
    if (!seen_.insert(d.digest).second) return;
    fs::path file = blob_file(layout_, d.digest);
    std::error_code ec;
    auto size = fs::file_size(file, ec);
    if (ec) throw Error(fmt::format("{} lacks the {} blob {}", layout_.string(), what, d.digest), kHint);
    if (static_cast<std::int64_t>(size) != d.size)
      throw Error(fmt::format("blob {} has {} bytes, its descriptor says {}", file.string(), size, d.size), kHint);
    blobs_.push_back(d);
    if (image::is_index_media_type(d.media_type)) {
      if (depth >= kMaxNesting) throw Error(fmt::format("index {} in {} nests too deep", d.digest, layout_.string()));
      image::Index index = image::parse_index(read_document(file, d), what);
      std::size_t present = 0;
      for (const auto& child : index.manifests) {
        // An index lists every platform; the cache holds those that were pulled.
        if (!fs::exists(blob_file(layout_, child.digest))) continue;
        ++present;
        add(child, "manifest " + short_digest(child.digest), depth + 1);
      }
      if (present == 0)
        throw Error(fmt::format("{} holds none of the {} manifests of index {}", layout_.string(),
                                index.manifests.size(), d.digest), kHint);
    } else if (image::is_manifest_media_type(d.media_type)) {
      image::Manifest manifest = image::parse_manifest(read_document(file, d), what);
      add_leaf(manifest.config, "config of " + what);
      for (std::size_t i = 0; i < manifest.layers.size(); ++i)
        add_leaf(manifest.layers[i], fmt::format("layer {} of {}", i, what));
    } else {
      throw Error(fmt::format("{} in {} has media type '{}', neither a manifest nor an index", what,
                              layout_.string(), d.media_type));
    }
  }

  std::vector<image::Descriptor> take() { return std::move(blobs_); }

 private:
  void add_leaf(const image::Descriptor& d, const std::string& what) {
    require_valid_digest(d.digest, what);
    if (!seen_.insert(d.digest).second) return;
    std::error_code ec;
    auto size = fs::file_size(blob_file(layout_, d.digest), ec);
    if (ec)
      throw Error(fmt::format("{} lacks {} ({}); containerd needs every layer to unpack the image",
                              layout_.string(), what, d.digest),
                  "pull with --layers all, or without --import");
    if (static_cast<std::int64_t>(size) != d.size)
      throw Error(fmt::format("{} ({}) has {} bytes in {}, its descriptor says {}", what, d.digest, size,
                              layout_.string(), d.size), kHint);
    blobs_.push_back(d);
  }

  std::string read_document(const fs::path& file, const image::Descriptor& d) {
    std::string text = read_file(file, image::max_document_bytes());
    verify_digest(d.digest, sha256_digest(text), file.string());
    return text;
  }

  fs::path layout_;
  std::set<std::string> seen_;
  std::vector<image::Descriptor> blobs_;
};

// The index.json entries that are `reference`: by digest; else by io.containerd.image.name; else by
// ref.name holding the full reference or the tag (an entry named for another image never matches).
std::vector<const image::Descriptor*> matching(const image::Index& index, const image::Reference& reference) {
  std::vector<const image::Descriptor*> out;
  if (!reference.digest.empty()) {
    for (const auto& d : index.manifests)
      if (d.digest == reference.digest) return {&d};
    return out;
  }
  std::string want = reference.to_string();
  for (const auto& d : index.manifests)
    if (canonical(annotation(d, kImageName)) == want) out.push_back(&d);
  if (!out.empty()) return out;
  for (const auto& d : index.manifests) {
    std::string full_name = annotation(d, kImageName);
    if (!full_name.empty()) continue;
    std::string ref_name = annotation(d, kRefName);
    if (ref_name == reference.tag || canonical(ref_name) == want) out.push_back(&d);
  }
  return out;
}

}  // namespace

fs::path blob_file(const fs::path& layout, const std::string& digest) {
  auto colon = digest.find(':');
  return layout / "blobs" / digest.substr(0, colon) / digest.substr(colon + 1);
}

CachedImage find_cached_image(const fs::path& layout, const image::Reference& reference) {
  fs::path index_file = layout / "index.json";
  std::error_code ec;
  if (!fs::is_directory(layout, ec))
    throw Error(fmt::format("cache {} does not exist or is not a directory", layout.string()),
                "pass the --cache DIR of coldstart prewarm pull");
  if (!fs::exists(index_file, ec))
    throw Error(fmt::format("{} is not an OCI image layout: it has no index.json", layout.string()),
                "fill it with coldstart prewarm pull IMAGE --cache DIR");
  image::Index index =
      image::parse_index(read_file(index_file, image::max_document_bytes()), "index.json of " + layout.string());

  auto found = matching(index, reference);
  std::set<std::string> digests;
  for (const auto* d : found) digests.insert(d->digest);
  if (digests.empty()) {
    std::string have;
    for (const auto& d : index.manifests) have += (have.empty() ? "" : ", ") + describe(d);
    throw Error(fmt::format("{} is not in the cache {} (it holds: {})", reference.to_string(), layout.string(),
                            have.empty() ? "nothing" : have),
                "pull it first: coldstart prewarm pull IMAGE --cache DIR");
  }
  if (digests.size() > 1) {
    std::string list;
    for (const auto* d : found) list += (list.empty() ? "" : ", ") + describe(*d);
    throw Error(fmt::format("{} matches several images in {}: {}", reference.to_string(), layout.string(), list),
                "name it by digest (REPO@sha256:...)");
  }
  CachedImage image;
  image.target = *found.front();
  image.target.annotations.clear();
  Collector collector(layout);
  collector.add(image.target, reference.to_string(), 0);
  image.blobs = collector.take();
  return image;
}

}  // namespace coldstart::cluster::detail
