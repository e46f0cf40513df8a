// coldstart prewarm pull: fetch an image (or the plan's share of it) into a BlobStore, fast and
// verified. Layers are fetched in parallel and large blobs in HTTP Range chunks over several
// connections; every blob is hashed as it lands and renamed into blobs/ only when it verifies.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "coldstart/cluster/layer_selection.hpp"
#include "coldstart/image/source.hpp"

namespace coldstart {
class ProgressBar;
}

namespace coldstart::cluster {

struct PullOptions {
  std::string image;                      // as the user wrote it (any transport)
  image::SourceOptions source;
  std::filesystem::path cache;
  std::optional<std::filesystem::path> plan;
  LayerFilter layers = LayerFilter::all;
  int jobs = 8;                           // connections (and worker threads)
  std::uint64_t chunk_size = 64ull << 20; // largest HTTP Range request
  bool verify_existing = false;           // re-hash blobs already in the cache
  std::string tag;                        // ref.name in index.json ("" = from IMAGE)
};

enum class BlobOrigin { fetched, cached, resumed };
std::string to_string(BlobOrigin origin);

struct BlobResult {
  std::string digest;
  std::string role;          // manifest | config | layer
  std::string media_type;
  std::string layer_class;   // stable | volatile | "" (no plan, or not a layer)
  std::int64_t size = 0;
  BlobOrigin origin = BlobOrigin::fetched;
  std::uint64_t bytes_fetched = 0;  // from the source in this run
  std::uint64_t bytes_resumed = 0;  // already on disk from an interrupted run
  double seconds = 0;
};

struct SkippedBlob {
  std::string digest;
  std::int64_t size = 0;
  std::string layer_class;
  std::string reason;
};

struct PullSummary {
  std::string image;            // the source, transport-qualified
  std::string cache;
  std::string manifest_digest;
  std::string tag;              // ref.name written to index.json
  std::string ref;              // io.containerd.image.name ("" for non-registry sources)
  std::string layers;           // the --layers filter
  std::string plan_image;       // the plan image matched ("" when no plan or all of it)
  int jobs = 0;
  std::uint64_t chunk_size = 0;
  bool ranges = false;          // Range chunks were used (false: the source does not serve ranges)
  std::uint64_t bytes_total = 0;    // selected blobs, bytes
  std::uint64_t bytes_fetched = 0;  // actually transferred in this run
  double seconds = 0;
  std::vector<BlobResult> blobs;
  std::vector<SkippedBlob> skipped;
};

// What a caller sees while the pull runs (all optional; called from worker threads).
struct PullObserver {
  std::function<void(std::uint64_t total_bytes, std::uint64_t already_present)> on_plan;
  std::function<void(std::uint64_t bytes)> on_bytes;           // bytes arrived
  std::function<void(const BlobResult&)> on_blob_done;
  std::function<void(const std::string& digest, const std::string& role)> on_blob_start;
};

// Throws Error (one line) on any failure; what was verified stays in the cache, partial blobs
// stay in DIR/ingest for the next run to resume.
PullSummary pull_image(const PullOptions& options, const PullObserver& observer = {});

}  // namespace coldstart::cluster
