// Deep (file-level) analysis of an image: every layer streamed once through decompression and
// tar parsing (never written to disk), whiteouts applied in layer order over a compact tree.
// Reports the final filesystem, the bytes shipped but invisible (waste), content categories,
// model weight files (by content evidence, with safetensors headers) and suspicious tar entries.
#pragma once
#include <nlohmann/json.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "coldstart/analyze/content_category.hpp"
#include "coldstart/analyze/safetensors.hpp"
#include "coldstart/image/layer_stream.hpp"
#include "coldstart/image/source.hpp"

namespace coldstart::analyze {

constexpr std::uint64_t kDefaultMaxEntries = 2'000'000;

struct DeepOptions {
  std::size_t top = 10;                 // largest files and directories listed
  unsigned parallel_layers = 0;         // layers streamed at once; 0 = min(cores, 4)
  bool pipelined_layers = image::pipelining_helps();  // each layer over several threads (LayerStream)
  bool verify_diff_ids = true;          // compare each layer's uncompressed digest with the config
  std::uint64_t max_safetensors_header = kMaxSafetensorsHeaderBytes;
  // Tar entries in all layers together (--max-entries); 0 = none. Peak memory grows by ~180
  // bytes an entry (measured: 300 000 empty files, 70 MB), so the default stays under ~400 MB.
  std::uint64_t max_entries = kDefaultMaxEntries;
  // Progress, for a bar or plain lines; each may be empty. on_bytes and on_layer_done are called
  // from the streaming threads (compressed bytes as read; layers in completion order).
  std::function<void(const std::string& image, std::uint64_t total_bytes, std::size_t layers)> on_start;
  std::function<void(std::uint64_t bytes)> on_bytes;
  std::function<void(std::size_t index, std::size_t layers_done)> on_layer_done;
};

// What one layer contributed, and how much of it later layers hid.
struct DeepLayerStats {
  std::size_t index = 0;
  std::string digest;                   // compressed blob digest
  std::string diff_id;                  // uncompressed digest as computed
  bool diff_id_checked = false;         // compared with the config's diff_id (false: the config has none)
  std::string media_type;
  std::string compression;              // "gzip" | "zstd" | "none"
  std::string created_by;               // from the config history, may be empty
  std::uint64_t compressed_bytes = 0;
  std::uint64_t uncompressed_bytes = 0;
  std::uint64_t entries = 0;            // tar entries, whiteouts included
  std::uint64_t files = 0;              // regular files and hard links added
  std::uint64_t directories = 0;
  std::uint64_t symlinks = 0;
  std::uint64_t whiteouts = 0;          // .wh.<name> and opaque markers
  std::uint64_t bytes_added = 0;        // sum of regular file sizes in this layer
  std::uint64_t bytes_wasted = 0;       // of bytes_added: overwritten or deleted by later layers
  std::uint64_t files_wasted = 0;
  double seconds = 0;                   // wall time streaming this layer
};

struct DeepFile {
  std::string path;                     // absolute, e.g. "/usr/lib/libcudnn.so.8"
  std::uint64_t size = 0;
  std::size_t layer = 0;                // index of the layer providing the final copy
  ContentCategory category = ContentCategory::other;
};

struct DeepDirectory {
  std::string path;
  std::uint64_t size = 0;               // bytes of regular files below it (final filesystem)
  std::uint64_t files = 0;
};

// A path shipped more than once or deleted: dive's "inefficient files".
struct WastedPath {
  std::string path;
  std::uint64_t wasted_bytes = 0;       // N-1 copies (N when the path was finally deleted)
  std::uint32_t copies = 0;             // times the path was added across layers
  bool deleted = false;                 // absent from the final filesystem
};

struct CategoryTotals {
  std::uint64_t bytes = 0;
  std::uint64_t files = 0;
};

struct ModelWeightFile {
  std::string path;
  std::uint64_t size = 0;
  std::size_t layer = 0;
  std::string format;                   // extension without the dot: "safetensors", "gguf", "bin"...
  std::string evidence;                 // why it counts: "safetensors header", "pytorch zip", "pickle",
                                        // "gguf magic", "ggml magic", "onnx protobuf", "size"
  bool in_final_filesystem = true;      // false when a later layer deleted or replaced it
  std::optional<SafetensorsSummary> safetensors;
  std::string header_error;             // why a .safetensors header could not be read, else empty
};

struct SuspiciousEntry {
  std::size_t layer = 0;
  std::string path;                     // as written in the tar
  std::string reason;                   // "absolute path", "'..' component", "hard link target outside the layer"...
};

constexpr std::size_t kMaxSuspiciousListed = 1000;

struct DeepReport {
  std::string image;                    // reference as written by the user
  std::string manifest_digest;
  std::vector<DeepLayerStats> layers;   // in layer order
  std::size_t config_diff_ids = 0;      // rootfs.diff_ids in the config
  std::size_t unchecked_layers = 0;     // layers not compared with a config diff_id (warned on stderr)
  // Final filesystem (all layers stacked, whiteouts applied).
  std::uint64_t files = 0;              // regular files and hard links
  std::uint64_t directories = 0;
  std::uint64_t symlinks = 0;
  std::uint64_t final_size_bytes = 0;   // regular file bytes, each hard-linked inode once
  // Waste: bytes shipped in layers but not visible in the final filesystem.
  std::uint64_t total_added_bytes = 0;  // sum of layers[].bytes_added
  std::uint64_t wasted_bytes = 0;       // sum of layers[].bytes_wasted
  std::uint64_t wasted_files = 0;
  double wasted_ratio = 0;              // wasted_bytes / total_added_bytes (0 when nothing added)
  std::vector<DeepFile> largest_files;          // top N, largest first
  std::vector<DeepDirectory> largest_directories;  // top N, largest first (root excluded)
  std::vector<WastedPath> largest_wasted;       // top N paths by wasted bytes
  std::array<CategoryTotals, kContentCategoryCount> categories{};  // index by ContentCategory
  std::vector<ModelWeightFile> model_weights;   // every file with weight evidence, in layer order
  std::vector<SuspiciousEntry> suspicious;   // the first kMaxSuspiciousListed
  std::uint64_t suspicious_total = 0;       // all of them
  double seconds = 0;
};

// Streams every layer of `image` from `source` (in parallel, merged in layer order).
// Throws Error on a corrupt, truncated or mismatching layer, naming the layer digest.
DeepReport analyze_deep(image::Source& source, const image::ResolvedImage& image, const DeepOptions& options);

// Stable schema (schema_version 1), documented in docs/deep-analysis.md.
nlohmann::ordered_json to_json(const DeepReport& report);
std::string render_table(const DeepReport& report);
std::string render_markdown(const DeepReport& report);

}  // namespace coldstart::analyze
