// The fleet view: layers that several repositories share (a common CUDA or PyTorch base) are
// fleet-wide cache candidates: one cached copy on a node serves every image built on them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "coldstart/analyze/stability.hpp"

namespace coldstart::analyze {

struct SharedLayer {
  std::string id;                         // diff_id (or digest)
  std::vector<std::string> digests;       // blob digests seen; more than one means it was recompressed
  std::uint64_t size = 0;                 // compressed bytes (largest copy)
  std::string created_by;
  std::vector<std::string> repositories;  // whose newest version contains it, in input order
  bool stable_everywhere = true;          // stable in every repository's series
  // Bytes a node does not fetch again thanks to one shared cached copy: size x (repositories - 1),
  // compared with each image bringing its own copy.
  std::uint64_t bytes_saved_per_node = 0;
};

struct FleetView {
  std::size_t repositories = 0;
  std::vector<SharedLayer> shared_layers;  // largest first
  std::uint64_t shared_bytes = 0;          // one copy of each shared layer
  std::uint64_t bytes_saved_per_node = 0;  // sum over shared layers
};

// Layers present in the newest version of two or more of the given series.
FleetView find_shared_layers(const std::vector<SeriesStability>& series);

}  // namespace coldstart::analyze
