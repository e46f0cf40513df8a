// docker-archive:FILE[:ref]. Two forms exist: the legacy `docker save` tar (manifest.json,
// a config JSON and uncompressed layer tars, no manifest of its own) and Docker 25+, which
// adds an OCI layout (index.json + blobs/) beside manifest.json. The OCI form is preferred
// because it carries real manifests; the legacy form gets a synthesized Docker v2 manifest
// whose layer digests are the layer tars' sha256 (= the diff_ids).
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "coldstart/core/digest.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/log.hpp"
#include "coldstart/image/local_sources.hpp"
#include "coldstart/image/media_types.hpp"
#include "coldstart/image/reference.hpp"
#include "coldstart/image/verified_stream.hpp"
#include "file_tree.hpp"
#include "oci_layout.hpp"

namespace coldstart::image {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// "aigc:v1", "docker.io/library/aigc:v1" and "registry-1.docker.io/library/aigc:v1" are one name.
std::string normalize_name(const std::string& name) {
  try {
    return Reference::parse(name).to_string();
  } catch (const Error&) {
    return name;
  }
}

struct LegacyEntry {
  std::string config;
  std::vector<std::string> repo_tags;
  std::vector<std::string> layers;
};

std::vector<LegacyEntry> parse_legacy_manifest(const std::string& text, const std::string& what) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception&) {  // parse_error, and out_of_range for a number like 1e400
    throw Error(fmt::format("{} is not valid JSON", what), "the archive is corrupt; save it again");
  }
  if (!doc.is_array()) throw Error(fmt::format("{} is not a JSON array", what));
  std::vector<LegacyEntry> out;
  for (const auto& item : doc) {
    if (!item.is_object() || !item.contains("Config") || !item["Config"].is_string() || !item.contains("Layers") ||
        !item["Layers"].is_array())
      throw Error(fmt::format("{} has an entry without Config and Layers", what));
    LegacyEntry e;
    e.config = item["Config"].get<std::string>();
    if (auto tags = item.find("RepoTags"); tags != item.end() && tags->is_array())
      for (const auto& t : *tags)
        if (t.is_string()) e.repo_tags.push_back(t.get<std::string>());
    for (const auto& l : item["Layers"]) {
      if (!l.is_string()) throw Error(fmt::format("{} lists a layer that is not a path", what));
      e.layers.push_back(l.get<std::string>());
    }
    out.push_back(std::move(e));
  }
  return out;
}

// The 64-hex name docker gives a config ("<hex>.json" or "blobs/sha256/<hex>"), if any.
std::string digest_from_path(const std::string& path) {
  std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  if (base.size() > 5 && base.ends_with(".json")) base.resize(base.size() - 5);
  std::string digest = "sha256:" + base;
  return is_valid_digest(digest) ? digest : "";
}

class DockerArchiveSource : public Source {
 public:
  DockerArchiveSource(const std::filesystem::path& file, std::string ref, const SourceOptions& options, std::string name)
      : tree_(detail::open_tar_tree(file)),
        layout_(*tree_, name),
        ref_(std::move(ref)),
        platform_(options.platform),
        name_(std::move(name)) {}

  std::string describe() const override { return name_; }

  ResolvedImage resolve() override {
    // Without manifest.json the OCI index is all there is, and its error lists the names it has.
    if (layout_.has_index() && (ref_.empty() || index_has_match() || !tree_->exists("manifest.json"))) {
      oci_form_ = true;
      detail::LayoutSelector selector;
      if (!ref_.empty()) {
        selector.name = ref_;
        selector.matches = [this](const Descriptor& d) { return matches(d); };
      }
      return layout_.resolve(selector, platform_);
    }
    return resolve_legacy();
  }

  std::unique_ptr<ByteStream> open_blob(const Descriptor& descriptor) override {
    std::string what = "blob " + short_digest(descriptor.digest);
    if (!oci_form_ && blobs_.empty()) resolve();
    if (oci_form_) return layout_.open_blob(descriptor, what);
    auto it = blobs_.find(descriptor.digest);
    if (it == blobs_.end())
      throw Error(fmt::format("{} ({}) is not in {}", what, descriptor.digest, name_),
                  "the archive holds only the image's own config and layers");
    return verify_stream(tree_->open(it->second), descriptor, what + " in " + name_);
  }

 private:
  bool matches(const Descriptor& d) const {
    std::string want = normalize_name(ref_);
    for (const char* key : {"io.containerd.image.name", "org.opencontainers.image.ref.name"}) {
      auto it = d.annotations.find(key);
      if (it != d.annotations.end() && (it->second == ref_ || normalize_name(it->second) == want)) return true;
    }
    return false;
  }

  bool index_has_match() const {
    for (const auto& d : layout_.read_index_json().manifests)
      if (matches(d)) return true;
    return false;
  }

  const LegacyEntry& pick(const std::vector<LegacyEntry>& entries) const {
    auto list_tags = [&] {
      std::string all;
      for (std::size_t i = 0; i < entries.size(); ++i) {
        std::string tags;
        for (const auto& t : entries[i].repo_tags) tags += (tags.empty() ? "" : " ") + t;
        all += fmt::format("{}@{}{}", all.empty() ? "" : ", ", i, tags.empty() ? "" : " (" + tags + ")");
      }
      return all;
    };
    if (entries.empty()) throw Error(fmt::format("{} holds no images: manifest.json is empty", name_));
    if (ref_.empty()) {
      if (entries.size() == 1) return entries.front();
      throw Error(fmt::format("{} holds {} images; say which one", name_, entries.size()),
                  "add :REPO:TAG or :@N, one of: " + list_tags());
    }
    if (ref_.starts_with("@") && ref_.size() > 1 && ref_.find_first_not_of("0123456789", 1) == std::string::npos) {
      std::size_t n = std::stoul(ref_.substr(1));
      if (n >= entries.size())
        throw Error(fmt::format("{} has no image {}; it holds {}", name_, ref_, entries.size()), "images: " + list_tags());
      return entries[n];
    }
    std::string want = normalize_name(ref_);
    for (const auto& e : entries)
      for (const auto& t : e.repo_tags)
        if (t == ref_ || normalize_name(t) == want) return e;
    throw Error(fmt::format("{} has no image named '{}'", name_, ref_), "it has: " + list_tags());
  }

  ResolvedImage resolve_legacy() {
    if (!tree_->exists("manifest.json"))
      throw Error(fmt::format("{} is not a docker archive: it has neither manifest.json nor index.json", name_),
                  "make one with docker save or skopeo copy ... docker-archive:FILE");
    auto entries = parse_legacy_manifest(tree_->read_small("manifest.json", max_document_bytes()), "manifest.json of " + name_);
    const LegacyEntry& entry = pick(entries);

    ResolvedImage image;
    image.reference = name_;
    image.config_json = tree_->read_small(entry.config, max_document_bytes());
    image.config_digest = sha256_digest(image.config_json);
    // docker names the config after its digest, which makes it verifiable.
    if (auto named = digest_from_path(entry.config); !named.empty())
      verify_digest(named, image.config_digest, fmt::format("config {} in {}", entry.config, name_));
    image.config = parse_config(image.config_json, fmt::format("config {} of {}", entry.config, name_));
    image.platform = image.config.platform;
    if (image.config.diff_ids.size() != entry.layers.size())
      throw Error(fmt::format("{} lists {} layers but its config has {} diff_ids", name_, entry.layers.size(),
                              image.config.diff_ids.size()),
                  "the archive is corrupt; save it again");

    blobs_.clear();
    blobs_[image.config_digest] = entry.config;
    ordered_json manifest = {
        {"schemaVersion", 2},
        {"mediaType", media_type::docker_manifest},
        {"config",
         {{"mediaType", media_type::docker_config},
          {"size", image.config_json.size()},
          {"digest", image.config_digest}}},
        {"layers", ordered_json::array()}};
    for (std::size_t i = 0; i < entry.layers.size(); ++i) {
      const std::string& path = entry.layers[i];
      auto size = tree_->file_size(path);
      if (!size)
        throw Error(fmt::format("layer {} of {} ({}) is missing from the archive", i, name_, path),
                    "the archive is incomplete or truncated; save it again");
      auto [media, digest] = describe_layer(path, image.config.diff_ids[i]);
      blobs_[digest] = path;
      manifest["layers"].push_back({{"mediaType", media}, {"size", *size}, {"digest", digest}});
    }
    image.manifest_json = manifest.dump(3);
    image.manifest_digest = sha256_digest(image.manifest_json);
    image.manifest_media_type = std::string(media_type::docker_manifest);
    image.manifest = parse_manifest(image.manifest_json, "manifest synthesized for " + name_);
    return image;
  }

  // Layer tars are stored uncompressed (digest = diff_id); a compressed one, which some tools
  // write, is hashed here to get its real digest.
  std::pair<std::string, std::string> describe_layer(const std::string& path, const std::string& diff_id) {
    auto stream = tree_->open(path);
    unsigned char magic[4] = {0, 0, 0, 0};
    std::size_t got = 0;
    while (got < 4) {
      std::size_t n = stream->read(reinterpret_cast<char*>(magic) + got, 4 - got);
      if (n == 0) break;
      got += n;
    }
    bool gzip = got >= 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    bool zstd = got >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd;
    if (!gzip && !zstd) return {std::string(media_type::docker_layer_tar), diff_id};
    log::debug("{}: layer {} is compressed; hashing it for its digest", name_, path);
    Sha256 hash;
    hash.update(magic, got);
    char buf[1 << 16];
    while (std::size_t n = stream->read(buf, sizeof buf)) hash.update(buf, n);
    return {std::string(gzip ? media_type::docker_layer_gzip : media_type::docker_layer_zstd), hash.digest()};
  }

  std::unique_ptr<detail::FileTree> tree_;
  detail::OciLayout layout_;
  std::string ref_;
  Platform platform_;
  std::string name_;
  bool oci_form_ = false;
  std::map<std::string, std::string> blobs_;  // legacy form: digest -> path in the tar
};

}  // namespace

std::unique_ptr<Source> open_docker_archive(const std::filesystem::path& file, const std::string& ref,
                                            const SourceOptions& options, std::string name) {
  return std::make_unique<DockerArchiveSource>(file, ref, options, std::move(name));
}

}  // namespace coldstart::image
