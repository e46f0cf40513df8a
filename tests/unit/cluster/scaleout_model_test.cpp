// The scale-out model against closed-form bounds, and the seed case's shape.
#include <doctest/doctest.h>

#include <cmath>

#include "coldstart/core/units.hpp"
#include "coldstart/cluster/scaleout_input.hpp"
#include "coldstart/cluster/scaleout_model.hpp"
#include "coldstart/cluster/scaleout_report.hpp"
#include "coldstart/core/error.hpp"

using namespace coldstart;
using namespace coldstart::cluster;

namespace {

const ScaleoutImage kSeed = scaleout_image_from_size(20e9, 0.8);
const std::uint64_t kCounts[] = {1, 2, 3, 10, 50, 100, 300, 1000, 5000};

double seconds(Strategy s, std::uint64_t n, const ScaleoutParameters& p = {}, const ScaleoutImage& image = kSeed) {
  return simulate(image, p, s, n).seconds;
}

}  // namespace

TEST_CASE("seed case: 20 GB, registry only about 20 min at 1000 nodes, cache + P2P under 30 s") {
  const double registry = seconds(Strategy::registry, 1000);
  CHECK(registry > 15 * 60);
  CHECK(registry < 40 * 60);
  CHECK(seconds(Strategy::cache_p2p, 1000) < 30);
  // The gap widens with N. Below E/R = 50 nodes registry only is flat at the NIC rate while the
  // swarm adds ceil(log2 N) piece times (milliseconds), so there the ratio holds within 1 %.
  double previous_gap = 0;
  for (std::uint64_t n : {1, 10, 100, 1000}) {
    const double gap = seconds(Strategy::registry, n) / seconds(Strategy::cache_p2p, n);
    CHECK(gap >= previous_gap * 0.99);
    previous_gap = gap;
  }
  CHECK(previous_gap > 10 * seconds(Strategy::registry, 1) / seconds(Strategy::cache_p2p, 1));
}

TEST_CASE("registry only is at least N x bytes / egress, plus the unpack") {
  for (const ScaleoutParameters& p : {ScaleoutParameters{}, ScaleoutParameters{10e9 / 8, 10e9 / 8}}) {
    for (std::uint64_t n : kCounts) {
      const auto t = simulate(kSeed, p, Strategy::registry, n);
      CHECK(t.fetch_seconds >= static_cast<double>(n) * 20e9 / p.registry_bandwidth * (1 - 1e-12));
      CHECK(t.registry_bytes == doctest::Approx(static_cast<double>(n) * 20e9));
      CHECK(t.seconds == doctest::Approx(t.fetch_seconds + 20e9 / p.unpack_bandwidth));
    }
  }
}

TEST_CASE("no strategy beats one node downloading and unpacking the bytes it must fetch") {
  ScaleoutParameters fast_peers;
  fast_peers.peer_upload_bandwidth = 100e9;  // even with unlimited peers
  for (const auto& p : {ScaleoutParameters{}, fast_peers}) {
    for (Strategy s : kStrategies) {
      for (std::uint64_t n : kCounts) {
        const auto t = simulate(kSeed, p, s, n);
        CHECK(t.seconds >= single_node_floor_seconds(t.bytes_per_node, p) * (1 - 1e-12));
      }
    }
  }
  CHECK(simulate(kSeed, {}, Strategy::cache, 1).bytes_per_node == doctest::Approx(4e9));
}

TEST_CASE("time never falls as N grows, for every strategy") {
  ScaleoutParameters slow_peers;
  slow_peers.peer_upload_bandwidth = 0.3e9 / 8;
  for (const auto& p : {ScaleoutParameters{}, slow_peers}) {
    for (Strategy s : kStrategies) {
      double previous = 0;
      for (std::uint64_t n = 1; n <= 4096; n = n * 3 / 2 + 1) {
        const double t = seconds(s, n, p);
        CHECK(t >= previous);
        previous = t;
      }
    }
  }
}

TEST_CASE("P2P grows logarithmically in N: bounded by a + b log2 N") {
  ScaleoutParameters p;
  p.piece_bytes = 64e6;  // large pieces make the ramp visible
  const double piece_time = p.piece_bytes / std::min(p.peer_upload_bandwidth, p.node_bandwidth);
  const double base = seconds(Strategy::p2p, 1, p);
  for (std::uint64_t n : kCounts) {
    const double t = seconds(Strategy::p2p, n, p);
    const double hops = std::ceil(std::log2(static_cast<double>(n)) - 1e-12);
    CHECK(t <= base + hops * piece_time + 1e-9 + 20e9 / p.peer_upload_bandwidth * 0.01);
  }
  // Each tenfold step in N adds about the same time (log), far from the tenfold of a linear cost.
  const double d1 = seconds(Strategy::p2p, 100, p) - seconds(Strategy::p2p, 10, p);
  const double d2 = seconds(Strategy::p2p, 1000, p) - seconds(Strategy::p2p, 100, p);
  CHECK(d1 > 0);
  CHECK(d2 == doctest::Approx(d1).epsilon(0.5));
  const double r1 = seconds(Strategy::registry, 100, p) - seconds(Strategy::registry, 10, p);
  const double r2 = seconds(Strategy::registry, 1000, p) - seconds(Strategy::registry, 100, p);
  CHECK(r2 > 5 * r1);
}

TEST_CASE("P2P with slow peers is bound by their upload, never by more than the registry") {
  ScaleoutParameters p;
  p.peer_upload_bandwidth = 0.5e9 / 8;
  const auto t = simulate(kSeed, p, Strategy::p2p, 1000);
  CHECK(t.bottleneck == "peer upload");
  CHECK(t.fetch_seconds >= 1000 * 20e9 / (p.registry_bandwidth + 999 * p.peer_upload_bandwidth));
  CHECK(t.seconds < seconds(Strategy::registry, 1000, p));
  CHECK(t.registry_bytes == doctest::Approx(20e9));
}

TEST_CASE("one stream carries a layer: the largest layer bounds a registry pull") {
  ScaleoutImage image = kSeed;
  image.largest_layer_bytes = 15e9;
  ScaleoutParameters p;
  const auto t = simulate(image, p, Strategy::registry, 1);
  CHECK(t.fetch_seconds == doctest::Approx(15e9 / p.stream_bandwidth));
  CHECK(t.bottleneck == "largest layer on one stream");
}

TEST_CASE("cache misses add stable bytes to every node") {
  ScaleoutParameters p;
  p.cache_hit_ratio = 0.5;
  CHECK(simulate(kSeed, p, Strategy::cache, 10).bytes_per_node == doctest::Approx(4e9 + 8e9));
  CHECK(simulate(kSeed, p, Strategy::cache_p2p, 10).seconds > seconds(Strategy::cache_p2p, 10));
}

TEST_CASE("inputs: bandwidth units, node lists, plans, bad values") {
  CHECK(coldstart::parse_bandwidth("10Gbit/s", "x") == doctest::Approx(1.25e9));
  CHECK(coldstart::parse_bandwidth("2Gbps", "x") == doctest::Approx(0.25e9));
  CHECK(coldstart::parse_bandwidth("2 Gb/s", "x") == doctest::Approx(0.25e9));
  CHECK(coldstart::parse_bandwidth("500MB/s", "x") == doctest::Approx(500e6));
  CHECK(coldstart::parse_bandwidth("1GiB/s", "x") == doctest::Approx(1073741824.0));
  CHECK(coldstart::parse_bandwidth("125000000", "x") == doctest::Approx(125e6));
  CHECK_THROWS_AS(coldstart::parse_bandwidth("fast", "x"), UsageError);
  CHECK_THROWS_AS(coldstart::parse_bandwidth("10 Gfoo/s", "x"), UsageError);
  CHECK_THROWS_AS(coldstart::parse_bandwidth("0MB/s", "x"), UsageError);
  CHECK(parse_node_counts("1000,1,10,10") == std::vector<std::uint64_t>{1, 10, 1000});
  CHECK_THROWS_AS(parse_node_counts("1,0"), UsageError);
  CHECK_THROWS_AS(parse_node_counts("1,,2"), UsageError);
  CHECK_THROWS_AS(parse_node_counts("ten"), UsageError);
  CHECK_THROWS_AS(scaleout_image_from_size(1e9, 1.5), UsageError);
  ScaleoutParameters bad;
  bad.cache_hit_ratio = 2;
  CHECK_THROWS_AS(validate(bad), UsageError);

  const auto plan = nlohmann::json::parse(R"({"schema_version": 1, "kind": "coldstart-plan", "images": [
    {"repository": "r", "totals": {"image_bytes": 1000, "cache_bytes": 800},
     "layers": [{"size_bytes": 700, "in_newest": true, "destination": "cache"},
                {"size_bytes": 200, "in_newest": true, "destination": "p2p"},
                {"size_bytes": 100, "in_newest": true, "destination": "p2p"},
                {"size_bytes": 5000, "in_newest": false, "destination": "none"}]}]})");
  const auto image = scaleout_image_from_plan(plan, "p.json", "");
  CHECK(image.image_bytes == 1000);
  CHECK(image.volatile_bytes() == 200);
  CHECK(image.largest_layer_bytes == 700);
  CHECK(image.largest_volatile_layer_bytes == 200);
  CHECK_THROWS_AS(scaleout_image_from_plan(plan, "p.json", "other"), Error);
  CHECK_THROWS_AS(scaleout_image_from_plan(nlohmann::json::parse(R"({"kind": "x"})"), "p.json", ""), Error);
  auto no_totals = plan;
  no_totals["images"][0].erase("totals");
  CHECK_THROWS_WITH_AS(scaleout_image_from_plan(no_totals, "p.json", ""), doctest::Contains("has no 'totals'"), Error);
}

TEST_CASE("the unpack rate from a bench pull JSON: compressed bytes over the median unpack time") {
  const auto bench = nlohmann::json::parse(R"({"schema_version": 1, "runs": [
    {"name": "skopeo", "phases": {"total": {"p50": 3}}},
    {"name": "coldstart cold", "compressed_bytes": 1000000000, "uncompressed_bytes": 3000000000,
     "phases": {"fetch": {"p50": 4}, "unpack": {"p50": 2.5, "mean": 9}}}]})");
  CHECK(unpack_rate_from_bench_pull(bench, "b.json") == doctest::Approx(4e8));
  CHECK_THROWS_WITH_AS(unpack_rate_from_bench_pull(nlohmann::json::parse(R"({"runs": [{"phases": {"fetch": {"p50": 1}}}]})"), "b.json"),
                       doctest::Contains("no run with an unpack phase"), Error);
  CHECK_THROWS_AS(unpack_rate_from_bench_pull(nlohmann::json::parse("[]"), "b.json"), Error);
}

TEST_CASE("report: JSON schema and a chart with one line per strategy") {
  const auto run = run_scaleout(kSeed, {}, {1, 10, 100, 1000}, "flags");
  const auto doc = scaleout_to_json(run);
  CHECK(doc["schema_version"] == 1);
  CHECK(doc["results"].size() == 4);
  CHECK(doc["results"][3]["strategies"]["cache_p2p"]["seconds"].get<double>() < 30);
  const std::string svg = scaleout_chart_svg(run);
  std::size_t lines = 0;
  for (std::size_t at = svg.find("<polyline"); at != std::string::npos; at = svg.find("<polyline", at + 1)) ++lines;
  CHECK(lines == 4);
  CHECK(svg.find("cache + P2P") != std::string::npos);
}
