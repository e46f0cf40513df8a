// The local transports behind image::Source: OCI layout directories, OCI archives and
// docker archives (legacy `docker save` and the Docker 25+ OCI-in-tar form).
// open_source() (source.hpp) parses the transport prefixes and calls these.
#pragma once
#include <filesystem>
#include <memory>
#include <string>

#include "coldstart/image/source.hpp"

namespace coldstart::image {

// Which image of a layout: a tag (org.opencontainers.image.ref.name), a manifest digest,
// or neither (the only image, or the platform's image when index.json lists platforms).
struct LayoutImage {
  std::string tag;
  std::string digest;
};

// oci:DIR[:tag|@digest]; `name` is how messages refer to it.
std::unique_ptr<Source> open_oci_layout(const std::filesystem::path& dir, const LayoutImage& image,
                                        const SourceOptions& options, std::string name);
// oci-archive:FILE[:tag|@digest]: an OCI layout inside a tar, read in place (no unpacking
// unless the tar is compressed).
std::unique_ptr<Source> open_oci_archive(const std::filesystem::path& file, const LayoutImage& image,
                                         const SourceOptions& options, std::string name);
// docker-archive:FILE[:ref]; `ref` is a RepoTag ("aigc:v1"), "@N" for the Nth image, or empty.
std::unique_ptr<Source> open_docker_archive(const std::filesystem::path& file, const std::string& ref,
                                            const SourceOptions& options, std::string name);

}  // namespace coldstart::image
