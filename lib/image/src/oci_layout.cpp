#include "oci_layout.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "coldstart/core/digest.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/image/verified_stream.hpp"

namespace coldstart::image::detail {

namespace {

constexpr const char* kRefName = "org.opencontainers.image.ref.name";
constexpr int kMaxNesting = 8;  // index -> index -> ... -> manifest

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

std::string blob_path(const std::string& digest) {
  auto colon = digest.find(':');
  return "blobs/" + digest.substr(0, colon) + "/" + digest.substr(colon + 1);
}

LayoutSelector select_by_tag(const std::string& tag) {
  LayoutSelector s;
  s.name = tag;
  s.matches = [tag](const Descriptor& d) {
    auto it = d.annotations.find(kRefName);
    return it != d.annotations.end() && it->second == tag;
  };
  return s;
}

Index OciLayout::read_index_json() const {
  if (!has_index())
    throw Error(fmt::format("{} is not an OCI image layout: it has no index.json", name_),
                "make one with: skopeo copy docker://IMAGE oci:DIR:TAG");
  return parse_index(tree_.read_small("index.json", max_document_bytes()), "index.json of " + name_);
}

std::vector<std::string> OciLayout::tags() const {
  std::vector<std::string> out;
  for (const auto& d : read_index_json().manifests) {
    auto it = d.annotations.find(kRefName);
    if (it != d.annotations.end() && std::find(out.begin(), out.end(), it->second) == out.end())
      out.push_back(it->second);
  }
  return out;
}

std::unique_ptr<ByteStream> OciLayout::open_blob(const Descriptor& descriptor, const std::string& what) const {
  require_valid_digest(descriptor.digest, what);
  std::string path = blob_path(descriptor.digest);
  if (!tree_.exists(path))
    throw Error(fmt::format("{} ({}) is missing from {}: no {}", what, descriptor.digest, name_, path),
                "the layout is incomplete; copy the image again");
  return verify_stream(tree_.open(path), descriptor, what + " in " + name_);
}

std::string OciLayout::read_document(const Descriptor& descriptor, const std::string& what) const {
  if (descriptor.size > static_cast<std::int64_t>(max_document_bytes()))
    throw Error(fmt::format("{} is {} bytes, more than the {}-byte limit for image documents", what, descriptor.size,
                            max_document_bytes()),
                kDocumentLimitHint);
  auto stream = open_blob(descriptor, what);
  std::string out;
  char buf[65536];
  while (std::size_t n = stream->read(buf, sizeof buf)) {
    out.append(buf, n);
    if (out.size() > max_document_bytes())
      throw Error(fmt::format("{} is more than the {}-byte limit for image documents", what, max_document_bytes()),
                  kDocumentLimitHint);
  }
  return out;
}

ResolvedImage OciLayout::resolve(const LayoutSelector& selector, const Platform& platform) const {
  Index top = read_index_json();
  std::string where = "index.json of " + name_;
  Descriptor start;
  if (!selector.digest.empty()) {
    auto it = std::find_if(top.manifests.begin(), top.manifests.end(),
                           [&](const Descriptor& d) { return d.digest == selector.digest; });
    if (it != top.manifests.end()) {
      start = *it;
    } else {
      auto size = tree_.file_size(blob_path(selector.digest));
      if (!size)
        throw Error(fmt::format("{} has no manifest {}", name_, selector.digest), "check the digest; see index.json for the images it holds");
      start.digest = selector.digest;
      start.size = static_cast<std::int64_t>(*size);
    }
  } else if (selector.matches) {
    std::vector<Descriptor> hits;
    for (const auto& d : top.manifests)
      if (selector.matches(d)) hits.push_back(d);
    if (hits.empty()) {
      auto known = tags();
      throw Error(fmt::format("{} has no image named '{}'", name_, selector.name),
                  known.empty() ? "its index.json names no tags" : "it has: " + join(known));
    }
    if (hits.size() == 1) start = hits.front();
    else start = select_platform(Index{top.media_type, hits}, platform, fmt::format("'{}' in {}", selector.name, name_));
  } else {
    if (top.manifests.empty()) throw Error(fmt::format("{} holds no images: its index.json is empty", name_));
    bool all_have_platform = true;
    for (const auto& d : top.manifests) all_have_platform &= d.platform.has_value();
    if (top.manifests.size() == 1) {
      start = top.manifests.front();
    } else if (all_have_platform) {
      start = select_platform(top, platform, where);
    } else {
      auto known = tags();
      throw Error(fmt::format("{} holds {} images; say which one", name_, top.manifests.size()),
                  known.empty() ? "add @sha256:DIGEST" : "add :TAG, one of: " + join(known));
    }
  }

  ResolvedImage image;
  image.reference = name_;
  Descriptor current = start;
  for (int depth = 0;; ++depth) {
    if (depth == kMaxNesting) throw Error(fmt::format("{} nests indexes more than {} deep", name_, kMaxNesting));
    std::string what = fmt::format("manifest {} of {}", short_digest(current.digest), name_);
    std::string text = read_document(current, "manifest");
    std::string media = detect_media_type(text, what);
    if (is_index_media_type(media)) {
      if (!image.index_digest) image.index_digest = current.digest;
      Index index = parse_index(text, what);
      current = select_platform(index, platform, what);
      continue;
    }
    image.manifest = parse_manifest(text, what);
    image.manifest_digest = current.digest;
    image.manifest_media_type = media;
    image.manifest_json = std::move(text);
    if (current.platform) image.platform = *current.platform;
    break;
  }
  image.config_digest = image.manifest.config.digest;
  image.config_json = read_document(image.manifest.config, "config");
  image.config = parse_config(image.config_json, fmt::format("config {} of {}", short_digest(image.config_digest), name_));
  if (!image.config.platform.os.empty() && !image.config.platform.architecture.empty())
    image.platform = image.config.platform;
  return image;
}

}  // namespace coldstart::image::detail
