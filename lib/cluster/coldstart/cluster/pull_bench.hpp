// One image pull measured phase by phase, the way a node pulls: resolve (token, manifest, config),
// config (the config blob as its own round trip), fetch (every layer into a fresh blob directory,
// in parallel), unpack (decompress and write a fresh rootfs, whiteouts applied). Each sample starts
// from an empty blob directory and an empty rootfs, both removed afterwards.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "coldstart/cluster/rootfs_unpack.hpp"
#include "coldstart/image/source.hpp"

namespace coldstart::cluster {

struct FetchedLayer {
  image::Descriptor descriptor;
  std::filesystem::path file;  // the verified blob
  double seconds = 0;          // this layer's own transfer time
};

// The fetch phase: every layer of `layers` into `dir`, verified, with up to `jobs` in parallel.
// Kept behind this one signature so a faster fetcher (prewarm pull's Range chunks) can replace
// fetch_layers_with_source without touching the rest of the benchmark.
using LayerFetcher = std::function<std::vector<FetchedLayer>(image::Source& source,
                                                             const std::vector<image::Descriptor>& layers,
                                                             const std::filesystem::path& dir, int jobs)>;

// The default fetcher: image::Source::open_blob streams (size and digest verified) to files.
std::vector<FetchedLayer> fetch_layers_with_source(image::Source& source, const std::vector<image::Descriptor>& layers,
                                                   const std::filesystem::path& dir, int jobs);

struct PullBenchOptions {
  image::SourceOptions source;
  int jobs = 4;
  bool unpack = true;
  std::filesystem::path work_dir;  // where the per-sample blob dir and rootfs go ($TMPDIR when empty)
  LayerFetcher fetcher = fetch_layers_with_source;
};

struct PullSample {
  double resolve_seconds = 0;
  double config_seconds = 0;
  double fetch_seconds = 0;
  double unpack_seconds = 0;   // decompress + write the rootfs; 0 with --no-unpack
  double total_seconds = 0;    // wall time of the whole sample
  std::uint64_t layers = 0;
  std::uint64_t compressed_bytes = 0;    // fetched over the transport
  std::uint64_t uncompressed_bytes = 0;  // tar bytes decompressed by the unpack
  std::vector<double> layer_fetch_seconds;  // per layer, in manifest order
  UnpackStats unpack;
};

// Measures one pull of `image` (any transport image::open_source reads). A fresh Source per call,
// so a registry token is fetched again. Throws Error on any failure; temp dirs are always removed.
PullSample measure_pull(const std::string& image, const PullBenchOptions& options);

// Copies the image into the OCI layout `dir` under `tag` (blobs, index.json, oci-layout), creating
// it when missing; blobs already there are kept. Used to fill a --cache for warm samples.
void fill_oci_layout(const std::string& image, const image::SourceOptions& options, const std::filesystem::path& dir,
                     const std::string& tag);

// True when `dir` is an OCI layout whose index.json names `tag`.
bool layout_has_tag(const std::filesystem::path& dir, const std::string& tag);

}  // namespace coldstart::cluster
