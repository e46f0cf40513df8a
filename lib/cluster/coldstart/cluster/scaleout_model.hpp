// A closed-form model of cluster scale-out: how long until N new nodes all hold an image, when
// the bytes come from the registry, from a node image cache, from a P2P swarm, or cache + P2P.
// Formulas and assumptions: docs/bench-simulate.md. Rates are bytes per second.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace coldstart::cluster {

// What nodes pull: the image split into the stable part (cache-able) and the volatile part.
struct ScaleoutImage {
  std::string name;                     // repository or a label such as "20.0 GB image"
  double image_bytes = 0;               // compressed, what a cold node fetches
  double stable_bytes = 0;              // of which stable (plan destination cache)
  double largest_layer_bytes = 0;       // one registry stream carries a layer; 0 = unknown
  double largest_volatile_layer_bytes = 0;
  double volatile_bytes() const { return image_bytes - stable_bytes; }
};

struct ScaleoutParameters {
  double registry_bandwidth = 100e9 / 8;  // registry egress, shared by every node
  double node_bandwidth = 2e9 / 8;        // a node's download (NIC or throttle)
  double stream_bandwidth = 1e9 / 8;      // one HTTP stream from the registry
  int pull_concurrency = 3;               // layers a node fetches at once (containerd default)
  double unpack_bandwidth = 500e6;        // compressed bytes/s a node decompresses and unpacks
  double cache_hit_ratio = 1.0;           // share of the stable bytes already on a node
  double piece_bytes = 4e6;               // P2P piece size
  double peer_upload_bandwidth = 2e9 / 8; // what one node uploads to its peers
};

// Throws UsageError naming the first parameter out of range.
void validate(const ScaleoutParameters& parameters);
void validate(const ScaleoutImage& image);

enum class Strategy { registry, cache, p2p, cache_p2p };
inline constexpr Strategy kStrategies[] = {Strategy::registry, Strategy::cache, Strategy::p2p, Strategy::cache_p2p};
std::string_view to_string(Strategy strategy);        // registry | cache | p2p | cache_p2p
std::string_view describe(Strategy strategy);         // one line for humans
std::string_view display_name(Strategy strategy);     // "registry only", "cache + P2P", ...

struct ScaleoutTime {
  Strategy strategy = Strategy::registry;
  std::uint64_t nodes = 1;
  double bytes_per_node = 0;     // what each node fetches (the rest is in its cache)
  double registry_bytes = 0;     // what leaves the registry in total
  double fetch_seconds = 0;      // until the last node holds its bytes
  double unpack_seconds = 0;     // then decompress + unpack them
  double seconds = 0;            // fetch + unpack: until all N pods have their image
  std::string bottleneck;        // the term that set fetch_seconds
};

// The time for one strategy and N >= 1 nodes.
ScaleoutTime simulate(const ScaleoutImage& image, const ScaleoutParameters& parameters, Strategy strategy,
                      std::uint64_t nodes);

// A single node fetching `bytes` at its full download rate, then unpacking them: no strategy
// that must move those bytes to a node can beat it.
double single_node_floor_seconds(double bytes, const ScaleoutParameters& parameters);

}  // namespace coldstart::cluster
