#include "coldstart/cluster/scaleout_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "coldstart/core/error.hpp"

namespace coldstart::cluster {
namespace {

void require_positive(double value, const char* flag) {
  if (!(value > 0) || !std::isfinite(value))
    throw UsageError(fmt::format("{} must be a positive rate or size, got {:g}", flag, value), "see coldstart bench simulate --help");
}

// The largest of several candidate times, remembering which term it was.
struct Bound {
  double seconds = 0;
  std::string name;
  void at_least(double candidate, const char* why) {
    if (candidate > seconds) {
      seconds = candidate;
      name = why;
    }
  }
};

// Every node fetches `bytes` from the registry. A node's rate is its NIC, its parallel streams,
// or its fair share of the registry egress, whichever is least; its largest layer travels on one
// stream, so it cannot arrive before largest/stream.
Bound registry_fetch(double bytes, double largest, double total_registry_bytes, const ScaleoutParameters& p) {
  Bound b;
  if (bytes <= 0) return b;
  const double streams = p.pull_concurrency * p.stream_bandwidth;
  b.at_least(bytes / p.node_bandwidth, "node bandwidth");
  b.at_least(bytes / streams, "pull concurrency x stream bandwidth");
  b.at_least(total_registry_bytes / p.registry_bandwidth, "registry egress");
  b.at_least(largest / std::min(p.stream_bandwidth, p.node_bandwidth), "largest layer on one stream");
  return b;
}

// A swarm of N nodes fetches `bytes` each; the registry seeds it (every byte leaves it once).
// Bulk term (Kumar & Ross): max(F/u_seed, F/d, N F / (u_seed + (N-1) u_peer)).
// Ramp (Mundinger's binomial pipeline): a piece reaches all N nodes after ceil(log2 N) hops of one
// piece time each, so the last piece lands ceil(log2 N) piece times after the bulk.
Bound swarm_fetch(double bytes, const ScaleoutParameters& p, double n) {
  Bound b;
  if (bytes <= 0) return b;
  b.at_least(bytes / p.registry_bandwidth, "registry egress (seed)");
  b.at_least(bytes / p.node_bandwidth, "node bandwidth");
  b.at_least(n * bytes / (p.registry_bandwidth + (n - 1) * p.peer_upload_bandwidth), "peer upload");
  const double piece = std::min(p.piece_bytes, bytes);
  const double hops = std::ceil(std::log2(n) - 1e-12);
  b.seconds += std::max(0.0, hops) * piece / std::min(p.peer_upload_bandwidth, p.node_bandwidth);
  return b;
}

}  // namespace

void validate(const ScaleoutParameters& p) {
  require_positive(p.registry_bandwidth, "--registry-bandwidth");
  require_positive(p.node_bandwidth, "--node-bandwidth");
  require_positive(p.stream_bandwidth, "--stream-bandwidth");
  require_positive(p.unpack_bandwidth, "--unpack-rate");
  require_positive(p.piece_bytes, "--piece-size");
  require_positive(p.peer_upload_bandwidth, "--peer-upload");
  if (p.pull_concurrency < 1)
    throw UsageError(fmt::format("--pull-concurrency must be at least 1, got {}", p.pull_concurrency), "containerd's default is 3");
  if (!(p.cache_hit_ratio >= 0 && p.cache_hit_ratio <= 1))
    throw UsageError(fmt::format("--cache-hit must be within 0..1, got {:g}", p.cache_hit_ratio), "e.g. --cache-hit 0.9");
}

void validate(const ScaleoutImage& image) {
  if (!(image.image_bytes > 0) || !std::isfinite(image.image_bytes))
    throw UsageError("the image has no bytes to pull", "pass --image-size such as 20GB, or a plan with layers");
  if (!(image.stable_bytes >= 0 && image.stable_bytes <= image.image_bytes))
    throw UsageError(fmt::format("stable bytes {:g} must be within 0..image size {:g}", image.stable_bytes, image.image_bytes),
                     "--stable-fraction takes 0..1");
}

std::string_view to_string(Strategy s) {
  switch (s) {
    case Strategy::registry: return "registry";
    case Strategy::cache: return "cache";
    case Strategy::p2p: return "p2p";
    case Strategy::cache_p2p: return "cache_p2p";
  }
  return "?";
}

std::string_view display_name(Strategy s) {
  switch (s) {
    case Strategy::registry: return "registry only";
    case Strategy::cache: return "image cache";
    case Strategy::p2p: return "P2P";
    case Strategy::cache_p2p: return "cache + P2P";
  }
  return "?";
}

std::string_view describe(Strategy s) {
  switch (s) {
    case Strategy::registry: return "every node pulls the whole image from the registry";
    case Strategy::cache: return "stable layers are already in each node's image cache; the rest comes from the registry";
    case Strategy::p2p: return "the whole image travels through a P2P swarm seeded by the registry";
    case Strategy::cache_p2p: return "stable layers from the node cache; the rest through the P2P swarm";
  }
  return "?";
}

double single_node_floor_seconds(double bytes, const ScaleoutParameters& p) {
  return bytes / p.node_bandwidth + bytes / p.unpack_bandwidth;
}

ScaleoutTime simulate(const ScaleoutImage& image, const ScaleoutParameters& p, Strategy strategy, std::uint64_t nodes) {
  validate(p);
  validate(image);
  if (nodes < 1) throw UsageError("--nodes must list counts of at least 1", "e.g. --nodes 1,10,100,1000");
  const double n = static_cast<double>(nodes);
  const bool cached = strategy == Strategy::cache || strategy == Strategy::cache_p2p;
  ScaleoutTime t;
  t.strategy = strategy;
  t.nodes = nodes;
  t.bytes_per_node = cached ? image.volatile_bytes() + (1 - p.cache_hit_ratio) * image.stable_bytes : image.image_bytes;
  // With cache misses a node may need any layer; without, only volatile ones cross the network.
  const double largest = cached && p.cache_hit_ratio >= 1 ? image.largest_volatile_layer_bytes : image.largest_layer_bytes;
  Bound fetch;
  if (strategy == Strategy::registry || strategy == Strategy::cache) {
    t.registry_bytes = n * t.bytes_per_node;
    fetch = registry_fetch(t.bytes_per_node, largest, t.registry_bytes, p);
  } else {
    t.registry_bytes = t.bytes_per_node;  // the seed fetches each byte once
    fetch = swarm_fetch(t.bytes_per_node, p, n);
  }
  t.fetch_seconds = fetch.seconds;
  t.bottleneck = t.bytes_per_node > 0 ? fetch.name : "nothing to fetch";
  t.unpack_seconds = t.bytes_per_node / p.unpack_bandwidth;
  t.seconds = t.fetch_seconds + t.unpack_seconds;
  return t;
}

}  // namespace coldstart::cluster
