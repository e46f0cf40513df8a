#include "coldstart/image/media_types.hpp"

namespace coldstart::image {

namespace {
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
bool contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }
}  // namespace

LayerKind classify_layer(std::string_view media_type) {
  // Non-distributable first: their bytes are usually gzip too, but a puller treats them differently.
  if (contains(media_type, ".foreign.") || contains(media_type, ".nondistributable.")) return LayerKind::foreign;
  bool layer = media_type.starts_with("application/vnd.oci.image.layer.") ||
               media_type.starts_with("application/vnd.docker.image.rootfs.diff.");
  if (!layer) return LayerKind::unknown;
  if (ends_with(media_type, "+gzip") || ends_with(media_type, ".tar.gzip")) return LayerKind::gzip;
  if (ends_with(media_type, "+zstd") || ends_with(media_type, ".tar.zstd")) return LayerKind::zstd;
  if (ends_with(media_type, ".tar")) return LayerKind::tar;
  return LayerKind::unknown;
}

std::string to_string(LayerKind kind) {
  switch (kind) {
    case LayerKind::gzip: return "gzip";
    case LayerKind::zstd: return "zstd";
    case LayerKind::tar: return "tar";
    case LayerKind::foreign: return "foreign";
    case LayerKind::unknown: return "unknown";
  }
  return "unknown";
}

}  // namespace coldstart::image
