// OCI / Docker v2 image documents: descriptors, manifests, indexes and the image config.
// Parsing validates what the rest of coldstart relies on and rejects everything else clearly.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coldstart::image {

struct Platform {
  std::string os = "linux";
  std::string architecture = "amd64";
  std::string variant;  // "v8" for arm64, may be empty
  // "linux/amd64", "linux/arm64/v8"
  std::string to_string() const;
  // Parses "os/arch[/variant]"; throws UsageError.
  static Platform parse(std::string_view text);
  // True when `candidate` satisfies this wanted platform (empty variant matches any;
  // arm64 without a variant matches v8).
  bool matches(const Platform& candidate) const;
};

struct Descriptor {
  std::string media_type;
  std::string digest;
  std::int64_t size = 0;
  std::vector<std::string> urls;
  std::map<std::string, std::string> annotations;
  std::optional<Platform> platform;
};

// An image manifest (OCI manifest or Docker v2 schema 2).
struct Manifest {
  std::string media_type;
  Descriptor config;
  std::vector<Descriptor> layers;
  std::map<std::string, std::string> annotations;
};

// An OCI index or Docker manifest list.
struct Index {
  std::string media_type;
  std::vector<Descriptor> manifests;
};

struct HistoryEntry {
  std::string created;
  std::string created_by;
  std::string comment;
  bool empty_layer = false;
};

// The parts of the image config coldstart uses (application/vnd.oci.image.config.v1+json).
struct ImageConfig {
  std::string created;  // RFC 3339, may be empty
  Platform platform;
  std::vector<std::string> diff_ids;  // uncompressed layer digests, in layer order
  std::vector<HistoryEntry> history;
  nlohmann::json raw;  // the whole document, for fields not modelled here
};

// Either a manifest or an index, by media type (or by shape when the media type is absent).
bool is_index_media_type(std::string_view media_type);
bool is_manifest_media_type(std::string_view media_type);

// Parsers; each throws Error naming `what` (e.g. "manifest of aigc/sd:v9") on malformed input.
Manifest parse_manifest(std::string_view json, std::string_view what);
Index parse_index(std::string_view json, std::string_view what);
ImageConfig parse_config(std::string_view json, std::string_view what);
// Detects the document kind from its mediaType field, falling back to its shape.
// Returns the media type string (possibly inferred).
std::string detect_media_type(std::string_view json, std::string_view what);

// Picks the manifest for `want` from an index; the error lists the platforms available.
const Descriptor& select_platform(const Index& index, const Platform& want, std::string_view what);

// history entries aligned to layers: result[i] is the history of layer i (skipping empty_layer
// entries), or nullptr when the history is shorter than the layer list.
std::vector<const HistoryEntry*> history_per_layer(const ImageConfig& config, std::size_t layer_count);

// Manifests, indexes and configs above this size are refused (a registry could send anything):
// 4 MiB by default, about 25 000 layers; --max-document-size raises it (process-wide).
constexpr std::size_t kDefaultMaxDocumentBytes = 4 * 1024 * 1024;
std::size_t max_document_bytes();
void set_max_document_bytes(std::size_t bytes);
// The hint of every "larger than the limit" error about a document.
inline constexpr const char* kDocumentLimitHint =
    "is it really an image document? if so, raise the limit with --max-document-size SIZE";
// A descriptor's size above this (16 TiB) is refused as implausible: sums over a manifest's
// layers (at most ~30 000 fit in the default document size) then cannot overflow 64 bits.
constexpr std::int64_t kMaxBlobBytes = std::int64_t{1} << 44;

}  // namespace coldstart::image
