// Parsing of manifests, indexes and configs: strict about what coldstart relies on
// (digests, sizes, media types), lenient about fields it does not use.
#include "coldstart/image/manifest.hpp"

#include <fmt/format.h>

#include <atomic>

#include "coldstart/core/digest.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/image/media_types.hpp"

namespace coldstart::image {

using nlohmann::json;

namespace {
std::atomic<std::size_t> g_max_document_bytes{kDefaultMaxDocumentBytes};
}  // namespace

std::size_t max_document_bytes() { return g_max_document_bytes; }
void set_max_document_bytes(std::size_t bytes) { g_max_document_bytes = bytes; }

namespace {

json parse_document(std::string_view text, std::string_view what) {
  if (text.size() > max_document_bytes())
    throw Error(fmt::format("{} is {} bytes, more than the {}-byte limit for image documents", what, text.size(),
                            max_document_bytes()),
                kDocumentLimitHint);
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for a number like 1e400
    std::string reason = e.what();
    // nlohmann prefixes "[json.exception.parse_error.101] "; keep the part a person can read.
    if (auto close = reason.find("] "); close != std::string::npos) reason = reason.substr(close + 2);
    throw Error(fmt::format("{} is not valid JSON: {}", what, reason), "the document is corrupt or not an image document");
  }
  if (!doc.is_object()) throw Error(fmt::format("{} is not a JSON object", what));
  return doc;
}

std::string string_field(const json& obj, const char* key, std::string_view what, bool required) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) throw Error(fmt::format("{} has no '{}' field", what, key));
    return {};
  }
  if (!it->is_string()) throw Error(fmt::format("'{}' in {} is not a string", key, what));
  return it->get<std::string>();
}

std::map<std::string, std::string> annotations_field(const json& obj, std::string_view what) {
  std::map<std::string, std::string> out;
  auto it = obj.find("annotations");
  if (it == obj.end() || it->is_null()) return out;
  if (!it->is_object()) throw Error(fmt::format("'annotations' in {} is not an object", what));
  for (auto& [k, v] : it->items()) {
    if (!v.is_string()) throw Error(fmt::format("annotation '{}' in {} is not a string", k, what));
    out[k] = v.get<std::string>();
  }
  return out;
}

Platform platform_field(const json& obj, std::string_view what) {
  if (!obj.is_object()) throw Error(fmt::format("'platform' in {} is not an object", what));
  Platform p;
  p.os = string_field(obj, "os", what, true);
  p.architecture = string_field(obj, "architecture", what, true);
  p.variant = string_field(obj, "variant", what, false);
  return p;
}

Descriptor descriptor_field(const json& obj, std::string_view what) {
  if (!obj.is_object()) throw Error(fmt::format("{} is not a JSON object", what));
  Descriptor d;
  d.media_type = string_field(obj, "mediaType", what, true);
  d.digest = string_field(obj, "digest", what, true);
  require_valid_digest(d.digest, what);
  auto size = obj.find("size");
  if (size == obj.end() || !size->is_number_integer())
    throw Error(fmt::format("{} has no integer 'size' field", what));
  d.size = size->get<std::int64_t>();
  if (d.size < 0) throw Error(fmt::format("{} has a negative size ({})", what, d.size));
  if (d.size > kMaxBlobBytes)
    throw Error(fmt::format("{} has an implausible size of {} bytes (more than {} bytes, 16 TiB)", what, d.size,
                            kMaxBlobBytes),
                "the manifest is corrupt or hostile");
  if (auto urls = obj.find("urls"); urls != obj.end() && !urls->is_null()) {
    if (!urls->is_array()) throw Error(fmt::format("'urls' in {} is not an array", what));
    for (const auto& u : *urls) {
      if (!u.is_string()) throw Error(fmt::format("'urls' in {} holds a non-string", what));
      d.urls.push_back(u.get<std::string>());
    }
  }
  d.annotations = annotations_field(obj, what);
  if (auto p = obj.find("platform"); p != obj.end() && !p->is_null()) d.platform = platform_field(*p, what);
  return d;
}

[[noreturn]] void reject_schema1(std::string_view what) {
  throw Error(fmt::format("{} is a Docker schema 1 manifest, which is deprecated and not supported", what),
              "re-push the image with a current docker, buildah or skopeo to get a schema 2 or OCI manifest");
}

void check_schema_version(const json& doc, std::string_view what) {
  auto it = doc.find("schemaVersion");
  if (it == doc.end()) return;  // optional in practice; the media type decides
  if (!it->is_number_integer()) throw Error(fmt::format("'schemaVersion' in {} is not an integer", what));
  int v = it->get<int>();
  if (v == 1) reject_schema1(what);
  if (v != 2) throw Error(fmt::format("{} has schemaVersion {}, expected 2", what, v));
}

std::string detect_in(const json& doc, std::string_view what) {
  auto mt = doc.find("mediaType");
  if (mt != doc.end() && !mt->is_null()) {
    if (!mt->is_string()) throw Error(fmt::format("'mediaType' in {} is not a string", what));
    std::string media = mt->get<std::string>();
    if (media == media_type::docker_schema1 || media == media_type::docker_schema1_signed) reject_schema1(what);
    if (!is_index_media_type(media) && !is_manifest_media_type(media))
      throw Error(fmt::format("{} has unsupported media type '{}'", what, media),
                  "coldstart reads OCI manifests and indexes and Docker v2 schema 2 manifests and lists");
    check_schema_version(doc, what);
    return media;
  }
  check_schema_version(doc, what);
  if (auto sv = doc.find("schemaVersion"); sv == doc.end() && doc.contains("fsLayers")) reject_schema1(what);
  // OCI allows mediaType to be absent; the shape decides.
  if (doc.contains("manifests")) return std::string(media_type::oci_index);
  if (doc.contains("config") || doc.contains("layers")) return std::string(media_type::oci_manifest);
  throw Error(fmt::format("{} is neither an image manifest nor an index (no mediaType, config or manifests)", what));
}

}  // namespace

bool is_index_media_type(std::string_view media_type) {
  return media_type == media_type::oci_index || media_type == media_type::docker_manifest_list;
}

bool is_manifest_media_type(std::string_view media_type) {
  return media_type == media_type::oci_manifest || media_type == media_type::docker_manifest;
}

std::string detect_media_type(std::string_view text, std::string_view what) {
  return detect_in(parse_document(text, what), what);
}

Manifest parse_manifest(std::string_view text, std::string_view what) {
  json doc = parse_document(text, what);
  Manifest m;
  m.media_type = detect_in(doc, what);
  if (is_index_media_type(m.media_type))
    throw Error(fmt::format("{} is an index ({}), not an image manifest", what, m.media_type));
  auto config = doc.find("config");
  if (config == doc.end()) throw Error(fmt::format("{} has no 'config' descriptor", what));
  m.config = descriptor_field(*config, fmt::format("the config descriptor of {}", what));
  auto layers = doc.find("layers");
  if (layers == doc.end() || !layers->is_array()) throw Error(fmt::format("{} has no 'layers' array", what));
  for (std::size_t i = 0; i < layers->size(); ++i)
    m.layers.push_back(descriptor_field((*layers)[i], fmt::format("layer {} of {}", i, what)));
  m.annotations = annotations_field(doc, what);
  return m;
}

Index parse_index(std::string_view text, std::string_view what) {
  json doc = parse_document(text, what);
  Index index;
  index.media_type = detect_in(doc, what);
  if (is_manifest_media_type(index.media_type))
    throw Error(fmt::format("{} is an image manifest ({}), not an index", what, index.media_type));
  auto manifests = doc.find("manifests");
  if (manifests == doc.end() || !manifests->is_array()) throw Error(fmt::format("{} has no 'manifests' array", what));
  for (std::size_t i = 0; i < manifests->size(); ++i)
    index.manifests.push_back(descriptor_field((*manifests)[i], fmt::format("entry {} of {}", i, what)));
  return index;
}

ImageConfig parse_config(std::string_view text, std::string_view what) {
  json doc = parse_document(text, what);
  ImageConfig c;
  c.created = string_field(doc, "created", what, false);
  c.platform.os = string_field(doc, "os", what, false);
  c.platform.architecture = string_field(doc, "architecture", what, false);
  c.platform.variant = string_field(doc, "variant", what, false);
  if (auto rootfs = doc.find("rootfs"); rootfs != doc.end() && !rootfs->is_null()) {
    if (!rootfs->is_object()) throw Error(fmt::format("'rootfs' in {} is not an object", what));
    if (auto ids = rootfs->find("diff_ids"); ids != rootfs->end() && !ids->is_null()) {
      if (!ids->is_array()) throw Error(fmt::format("'rootfs.diff_ids' in {} is not an array", what));
      for (const auto& id : *ids) {
        if (!id.is_string()) throw Error(fmt::format("'rootfs.diff_ids' in {} holds a non-string", what));
        require_valid_digest(id.get<std::string>(), fmt::format("rootfs.diff_ids of {}", what));
        c.diff_ids.push_back(id.get<std::string>());
      }
    }
  }
  if (auto history = doc.find("history"); history != doc.end() && !history->is_null()) {
    if (!history->is_array()) throw Error(fmt::format("'history' in {} is not an array", what));
    for (std::size_t i = 0; i < history->size(); ++i) {
      const json& h = (*history)[i];
      std::string where = fmt::format("history entry {} of {}", i, what);
      if (!h.is_object()) throw Error(fmt::format("{} is not an object", where));
      HistoryEntry e;
      e.created = string_field(h, "created", where, false);
      e.created_by = string_field(h, "created_by", where, false);
      e.comment = string_field(h, "comment", where, false);
      if (auto empty = h.find("empty_layer"); empty != h.end() && !empty->is_null()) {
        if (!empty->is_boolean()) throw Error(fmt::format("'empty_layer' in {} is not a boolean", where));
        e.empty_layer = empty->get<bool>();
      }
      c.history.push_back(std::move(e));
    }
  }
  c.raw = std::move(doc);
  return c;
}

const Descriptor& select_platform(const Index& index, const Platform& want, std::string_view what) {
  if (index.manifests.empty()) throw Error(fmt::format("{} is an empty index: it lists no manifests", what));
  std::vector<std::string> available;
  const Descriptor* loose = nullptr;
  for (const auto& d : index.manifests) {
    // Attestation manifests (buildkit) carry platform unknown/unknown; they are not images.
    if (!d.platform || d.platform->os == "unknown") continue;
    if (!is_manifest_media_type(d.media_type) && !is_index_media_type(d.media_type)) continue;
    available.push_back(d.platform->to_string());
    if (!want.matches(*d.platform)) continue;
    if (d.platform->variant == want.variant) return d;  // an exact match beats a looser one
    if (!loose) loose = &d;
  }
  if (loose) return *loose;
  std::string list;
  for (const auto& p : available) list += (list.empty() ? "" : ", ") + p;
  if (list.empty()) list = "none with a platform";
  throw Error(fmt::format("{} has no image for platform {}; available: {}", what, want.to_string(), list),
              "choose one with --platform os/arch[/variant]");
}

std::vector<const HistoryEntry*> history_per_layer(const ImageConfig& config, std::size_t layer_count) {
  std::vector<const HistoryEntry*> out(layer_count, nullptr);
  std::size_t layer = 0;
  for (const auto& h : config.history) {
    if (h.empty_layer) continue;  // ENV, CMD, LABEL...: no layer of their own
    if (layer >= layer_count) break;
    out[layer++] = &h;
  }
  return out;
}

}  // namespace coldstart::image
