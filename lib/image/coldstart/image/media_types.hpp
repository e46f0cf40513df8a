// The media types of OCI and Docker v2 image documents and layers, and what a layer's
// media type says about how its bytes are stored.
#pragma once
#include <string>
#include <string_view>

namespace coldstart::image::media_type {

inline constexpr std::string_view oci_manifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view oci_index = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view oci_config = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view oci_layer_tar = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view oci_layer_gzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view oci_layer_zstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view oci_empty = "application/vnd.oci.empty.v1+json";

inline constexpr std::string_view docker_manifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view docker_manifest_list = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view docker_schema1 = "application/vnd.docker.distribution.manifest.v1+json";
inline constexpr std::string_view docker_schema1_signed = "application/vnd.docker.distribution.manifest.v1+prettyjws";
inline constexpr std::string_view docker_config = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view docker_layer_gzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view docker_layer_tar = "application/vnd.docker.image.rootfs.diff.tar";
inline constexpr std::string_view docker_layer_zstd = "application/vnd.docker.image.rootfs.diff.tar.zstd";
inline constexpr std::string_view docker_foreign_gzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

// The Accept header a registry client sends for manifests: all four image document types.
inline constexpr std::string_view manifest_accept =
    "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json";

}  // namespace coldstart::image::media_type

namespace coldstart::image {

// How a layer blob is stored, judged from its media type.
// foreign: Windows base layers and other non-distributable blobs, fetched from their URLs if at all.
enum class LayerKind { gzip, zstd, tar, foreign, unknown };

LayerKind classify_layer(std::string_view media_type);
// "gzip" | "zstd" | "tar" | "foreign" | "unknown"
std::string to_string(LayerKind kind);

}  // namespace coldstart::image
