// Internal: one image of an OCI layout cache, found by its registry reference, with the list of
// every blob it needs (each once). Documents (index, manifests) are read and digest-checked here;
// layers and configs only have to exist with the right size (they are hashed while streamed).
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "coldstart/image/manifest.hpp"
#include "coldstart/image/reference.hpp"

namespace coldstart::cluster::detail {

struct CachedImage {
  image::Descriptor target;              // the index.json entry, annotations dropped
  std::vector<image::Descriptor> blobs;  // target first, then children, configs, layers
};

// Throws Error naming the layout when it is not a layout, the image is not in it (listing what is),
// the reference matches several images, or a blob is missing or a document corrupt.
CachedImage find_cached_image(const std::filesystem::path& layout, const image::Reference& reference);

// blobs/<alg>/<hex> of a digest inside a layout.
std::filesystem::path blob_file(const std::filesystem::path& layout, const std::string& digest);

}  // namespace coldstart::cluster::detail
