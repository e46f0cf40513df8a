// Internal: unpacks a cached image's layers into containerd's overlayfs snapshots before the
// import, several layers at once, so that containerd's own unpack (one layer after another, after
// the whole ingest) finds every snapshot already committed under its chain ID and only records it.
//
// Through ctr's snapshot commands only (the public API, no private paths guessed):
//  1. layers whose chain-ID snapshot exists are skipped (a new release's base layers);
//  2. the first missing layer is prepared on its real parent; every later one in a parentless
//     staging snapshot, and up to `jobs` of them are written at once (overlay_layer_writer.hpp);
//     each layer's diff_id is checked against the config before it can be committed;
//  3. in layer order, a staged layer moves (rename, same filesystem) into a snapshot prepared on
//     its parent, takes its implicit parents' attributes from the lower directories, and is
//     committed under its chain ID;
//  4. until the import labels the image's config, each committed snapshot carries
//     containerd.io/gc.root=coldstart-prewarm so containerd's garbage collector keeps it.
// A layer coldstart does not write (an entry it refuses, a snapshotter other than overlayfs) stops
// the pre-unpack there: the snapshots below stay, containerd unpacks the rest itself.
#pragma once
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "coldstart/cluster/containerd_import.hpp"
#include "coldstart/image/manifest.hpp"

namespace coldstart::cluster::detail {

struct SnapshotUnpack {
  std::size_t layers = 0;        // of the platform image
  std::size_t present = 0;       // chain-ID snapshots that already existed
  std::size_t unpacked = 0;      // written and committed by coldstart
  std::string left_to_containerd;  // why the rest (if any) is left to containerd's unpack
  std::vector<std::string> committed;  // chain IDs committed here (labelled gc.root until released)
  double seconds = 0;
};

// The chain IDs of an image's layers (OCI image spec: ChainID(L0) = DiffID(L0),
// ChainID(L0..n) = sha256(ChainID(L0..n-1) + " " + DiffID(Ln))).
std::vector<std::string> chain_ids(const std::vector<std::string>& diff_ids);

// Pre-unpacks the image `target` (a manifest, or an index resolved to options.platform or the
// host's) from the layout. Throws Error only when containerd refuses a snapshot command; a layer
// it cannot write is reported in left_to_containerd.
SnapshotUnpack unpack_into_snapshots(const std::filesystem::path& layout, const image::Descriptor& target,
                                     const ImportOptions& options);

// Removes an image name (`ctr images rm`); the content stays while other names reference it.
void remove_image_name(const ImportOptions& options, const std::string& name);

// The names an import stages its content under: PREFIX + PID + ":" + a digest's first hex digits.
inline constexpr const char* kStagingNamePrefix = "import.coldstart.invalid/staging/";
// Staging names of a coldstart killed between its two imports (its pid is gone) hold their content
// from the garbage collector for ever: removes them. Best effort: a failure is a warning.
void remove_stale_staging_names(const ImportOptions& options);

// Drops the gc.root label from the snapshots committed here (after the import referenced them).
void release_snapshots(const std::vector<std::string>& chain_ids, const ImportOptions& options);

}  // namespace coldstart::cluster::detail
