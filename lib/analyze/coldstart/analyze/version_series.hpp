// Images grouped into version series: several versions of one repository, oldest first.
// Layers are identified by diff_id (the uncompressed digest) so a recompressed layer is still
// the same layer; by the blob digest only when the config gives no diff_id.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coldstart/image/source.hpp"

namespace coldstart::analyze {

struct VersionLayer {
  std::string id;          // diff_id, or the blob digest when no diff_id is known
  std::string digest;      // compressed blob digest
  std::string media_type;
  std::uint64_t size = 0;  // compressed bytes, what a node fetches
  std::string created_by;  // build step from the config history, may be empty
};

// One analysed image: the manifest-level facts the stability split needs.
struct ImageVersion {
  std::string reference;   // as the user wrote it
  std::string repository;  // the series it belongs to, e.g. "oci:examples/images/aigc"
  std::string tag;         // "v3"; the manifest digest (short) when the reference had no tag
  std::string created;     // config created (RFC 3339), may be empty
  std::string manifest_digest;
  std::vector<VersionLayer> layers;  // in layer order (bottom first)
  std::uint64_t size() const;
};

// Splits an image argument into repository and tag, keeping the transport:
// "oci:dir/aigc:v1" -> {"oci:dir/aigc", "v1"}, "127.0.0.1:5000/a/b:v2" -> {"127.0.0.1:5000/a/b", "v2"},
// "docker://r/a@sha256:..." -> {"docker://r/a", "sha256:..."}. Tag is empty when none was written.
struct ImageName {
  std::string repository;
  std::string tag;
};
ImageName split_image_name(std::string_view image);
// The argument naming `tag` in the same repository: {"oci:dir/aigc", "v4"} -> "oci:dir/aigc:v4".
std::string image_with_tag(const ImageName& name, std::string_view tag);

// A build step as people write it, for tables and hints: shell wrappers and the "# buildkit"
// marker dropped ("RUN /bin/sh -c pip check # buildkit" -> "RUN pip check"), cut to `width`.
std::string short_step(std::string_view created_by, std::size_t width = 72);

// Builds the version record from a resolved image (history aligned to layers, empty_layer skipped).
ImageVersion make_image_version(const image::ResolvedImage& image);

struct VersionSeries {
  std::string repository;
  std::vector<ImageVersion> versions;  // oldest first
  const ImageVersion& newest() const { return versions.back(); }
};

// Groups versions by repository (first-seen order) and orders each series by config `created`,
// keeping the given order for equal or missing timestamps.
std::vector<VersionSeries> group_into_series(std::vector<ImageVersion> versions);

// Seconds since the epoch of an RFC 3339 timestamp ("2024-05-01T10:00:00.5+02:00");
// nullopt when empty or malformed.
std::optional<double> parse_created(std::string_view rfc3339);

// The `count` newest versions by config `created`, oldest first (undated ones count as oldest).
std::vector<ImageVersion> newest_versions(std::vector<ImageVersion> versions, std::size_t count);

}  // namespace coldstart::analyze
