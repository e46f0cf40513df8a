// Test fixture: tiny OCI layouts and docker archives built in a temp dir, so source tests
// do not depend on the committed example images.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "coldstart/core/digest.hpp"
#include "coldstart/image/manifest.hpp"
#include "coldstart/image/media_types.hpp"

namespace fixture {

namespace fs = std::filesystem;
using nlohmann::ordered_json;
using coldstart::image::Descriptor;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "coldstart-test-XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

inline void write(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

inline std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline std::string hex(const std::string& digest) { return digest.substr(7); }

inline ordered_json descriptor_json(const Descriptor& d) {
  ordered_json j = {{"mediaType", d.media_type}, {"digest", d.digest}, {"size", d.size}};
  if (!d.annotations.empty()) j["annotations"] = d.annotations;
  if (d.platform) {
    j["platform"] = {{"architecture", d.platform->architecture}, {"os", d.platform->os}};
    if (!d.platform->variant.empty()) j["platform"]["variant"] = d.platform->variant;
  }
  return j;
}

inline Descriptor put_blob(const fs::path& layout, const std::string& bytes, std::string media_type) {
  Descriptor d;
  d.media_type = std::move(media_type);
  d.digest = coldstart::sha256_digest(bytes);
  d.size = static_cast<std::int64_t>(bytes.size());
  write(layout / "blobs" / "sha256" / hex(d.digest), bytes);
  return d;
}

struct TinyImage {
  Descriptor manifest;
  Descriptor config;
  std::vector<Descriptor> layers;
  std::vector<std::string> layer_bytes;
  std::string config_json;
};

// Layers are stored uncompressed (media type ...tar), so each digest equals its diff_id.
// History: a layer entry per layer, plus one empty_layer entry (ENV) after the first layer.
inline TinyImage add_image(const fs::path& layout, const std::vector<std::string>& layer_contents,
                           const std::string& arch = "amd64", const std::string& variant = "") {
  TinyImage img;
  ordered_json config = {{"created", "2024-01-02T03:04:05Z"}, {"architecture", arch}, {"os", "linux"}};
  if (!variant.empty()) config["variant"] = variant;
  ordered_json diff_ids = ordered_json::array();
  ordered_json history = ordered_json::array();
  for (std::size_t i = 0; i < layer_contents.size(); ++i) {
    img.layer_bytes.push_back(layer_contents[i]);
    img.layers.push_back(put_blob(layout, layer_contents[i], std::string(coldstart::image::media_type::oci_layer_tar)));
    diff_ids.push_back(img.layers.back().digest);
    history.push_back({{"created", "2024-01-02T03:04:05Z"}, {"created_by", "RUN make layer " + std::to_string(i)}});
    if (i == 0) history.push_back({{"created_by", "ENV A=b"}, {"empty_layer", true}});
  }
  config["rootfs"] = {{"type", "layers"}, {"diff_ids", diff_ids}};
  config["history"] = history;
  img.config_json = config.dump();
  img.config = put_blob(layout, img.config_json, std::string(coldstart::image::media_type::oci_config));
  ordered_json manifest = {{"schemaVersion", 2},
                           {"mediaType", coldstart::image::media_type::oci_manifest},
                           {"config", descriptor_json(img.config)},
                           {"layers", ordered_json::array()}};
  for (const auto& l : img.layers) manifest["layers"].push_back(descriptor_json(l));
  img.manifest = put_blob(layout, manifest.dump(), std::string(coldstart::image::media_type::oci_manifest));
  return img;
}

inline Descriptor tagged(Descriptor d, const std::string& tag) {
  d.annotations["org.opencontainers.image.ref.name"] = tag;
  return d;
}

inline std::string index_json(const std::vector<Descriptor>& manifests) {
  ordered_json index = {{"schemaVersion", 2}, {"mediaType", coldstart::image::media_type::oci_index},
                        {"manifests", ordered_json::array()}};
  for (const auto& d : manifests) index["manifests"].push_back(descriptor_json(d));
  return index.dump();
}

inline void write_index(const fs::path& layout, const std::vector<Descriptor>& manifests) {
  write(layout / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  write(layout / "index.json", index_json(manifests));
}

// tar -c[z]f ARCHIVE -C DIR . ; returns false when tar failed.
inline bool make_tar(const fs::path& dir, const fs::path& archive, bool gzip = false) {
  std::string cmd = std::string("tar --sort=name --owner=0 --group=0 -c") + (gzip ? "z" : "") + "f '" +
                    archive.string() + "' -C '" + dir.string() + "' .";
  return std::system(cmd.c_str()) == 0;
}

// A legacy `docker save` directory for `img` (config <hex>.json, <n>/layer.tar, manifest.json).
inline void write_docker_save(const fs::path& dir, const TinyImage& img, const std::string& repo_tag,
                              bool symlink_duplicate = false) {
  ordered_json layers = ordered_json::array();
  for (std::size_t i = 0; i < img.layers.size(); ++i) {
    std::string id = "layer" + std::to_string(i);
    write(dir / id / "layer.tar", img.layer_bytes[i]);
    layers.push_back(id + "/layer.tar");
  }
  if (symlink_duplicate) {  // skopeo writes links for layers it already stored
    fs::create_directories(dir / "linked");
    fs::create_symlink("../layer0/layer.tar", dir / "linked" / "layer.tar");
    layers[0] = "linked/layer.tar";
  }
  write(dir / (hex(img.config.digest) + ".json"), img.config_json);
  ordered_json manifest = ordered_json::array();
  manifest.push_back({{"Config", hex(img.config.digest) + ".json"}, {"RepoTags", {repo_tag}}, {"Layers", layers}});
  write(dir / "manifest.json", manifest.dump());
}

}  // namespace fixture
