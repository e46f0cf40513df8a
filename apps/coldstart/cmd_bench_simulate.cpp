// coldstart bench simulate: how long N nodes scaling out at once wait for their image, from the
// registry alone, with an image cache, with P2P, and with both (model: docs/bench-simulate.md).
#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "cli.hpp"
#include "coldstart/cluster/scaleout_input.hpp"
#include "coldstart/cluster/scaleout_report.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/file.hpp"
#include "coldstart/core/units.hpp"

namespace coldstart::cli {
namespace {

constexpr std::size_t kMaxPlanBytes = 64u << 20;

struct SimulateFlags {
  std::string plan, image, image_size, chart, unpack_from;
  double stable_fraction = 0.8;
  std::string nodes = "1,10,100,1000";
  std::string registry = "100Gbit/s", node = "2Gbit/s", stream = "1Gbit/s", unpack, piece = "4MB", peer_upload;
  int concurrency = 3;
  double cache_hit = 1.0;
};

nlohmann::json read_json(const std::string& path, const char* what, const char* hint) {
  nlohmann::json doc = nlohmann::json::parse(read_file(path, kMaxPlanBytes), nullptr, false);
  if (doc.is_discarded()) throw Error(fmt::format("{} {}: not valid JSON", what, path), hint);
  return doc;
}

cluster::ScaleoutImage load_image(const SimulateFlags& f) {
  if (f.plan.empty() == f.image_size.empty())
    throw UsageError("bench simulate needs exactly one of --plan FILE or --image-size SIZE",
                     "e.g. --plan plan.json, or --image-size 20GB --stable-fraction 0.8");
  if (!f.image_size.empty()) {
    if (!f.image.empty()) throw UsageError("--image picks an image of a --plan; it does not go with --image-size");
    return cluster::scaleout_image_from_size(static_cast<double>(parse_bytes(f.image_size, "--image-size")), f.stable_fraction);
  }
  const auto doc = read_json(f.plan, "plan", "write it with coldstart analyze IMAGE... -o json");
  return cluster::scaleout_image_from_plan(doc, f.plan, f.image);
}

cluster::ScaleoutParameters parameters(const SimulateFlags& f) {
  cluster::ScaleoutParameters p;
  p.registry_bandwidth = parse_bandwidth(f.registry, "--registry-bandwidth");
  p.node_bandwidth = parse_bandwidth(f.node, "--node-bandwidth");
  p.stream_bandwidth = parse_bandwidth(f.stream, "--stream-bandwidth");
  if (!f.unpack.empty() && !f.unpack_from.empty())
    throw UsageError("--unpack-rate and --unpack-from both set the unpack rate", "pass one of them");
  if (!f.unpack_from.empty())
    p.unpack_bandwidth = cluster::unpack_rate_from_bench_pull(
        read_json(f.unpack_from, "bench pull JSON", "write it with coldstart bench pull IMAGE -o json"), f.unpack_from);
  else
    p.unpack_bandwidth = parse_bandwidth(f.unpack.empty() ? "500MB/s" : f.unpack, "--unpack-rate");
  p.peer_upload_bandwidth = f.peer_upload.empty() ? p.node_bandwidth : parse_bandwidth(f.peer_upload, "--peer-upload");
  p.piece_bytes = static_cast<double>(parse_bytes(f.piece, "--piece-size"));
  p.pull_concurrency = f.concurrency;
  p.cache_hit_ratio = f.cache_hit;
  cluster::validate(p);
  return p;
}

int run_simulate(const SimulateFlags& f, const GlobalOptions& global) {
  const auto params = parameters(f);
  const auto counts = cluster::parse_node_counts(f.nodes);
  const auto image = load_image(f);
  cluster::validate(image);
  const auto run = cluster::run_scaleout(image, params, counts, f.plan.empty() ? "flags" : "plan " + f.plan);
  if (!f.chart.empty()) write_file_atomic(f.chart, cluster::scaleout_chart_svg(run));
  switch (global.format()) {
    case OutputFormat::json: std::cout << json_to_text(cluster::scaleout_to_json(run)); break;
    case OutputFormat::yaml: std::cout << json_to_yaml(cluster::scaleout_to_json(run)); break;
    case OutputFormat::markdown: std::cout << cluster::scaleout_markdown(run); break;
    default: std::cout << cluster::scaleout_table(run); break;
  }
  return 0;
}

}  // namespace

void register_bench_simulate(CLI::App& bench, GlobalOptions& global) {
  auto flags = std::make_shared<SimulateFlags>();
  auto* cmd = bench.add_subcommand("simulate", "Model N nodes scaling out at once: registry, image cache, P2P, cache + P2P");
  cmd->add_option("--plan", flags->plan, "Plan from coldstart analyze -o json: the newest image's stable/volatile bytes");
  cmd->add_option("--image", flags->image, "With --plan: the repository to simulate when the plan has several");
  cmd->add_option("--image-size", flags->image_size, "Without a plan: compressed image size, e.g. 20GB");
  cmd->add_option("--stable-fraction", flags->stable_fraction, "With --image-size: share of the bytes that is stable (default 0.8)");
  cmd->add_option("--nodes", flags->nodes, "Node counts scaling out at once (default 1,10,100,1000)");
  cmd->add_option("--registry-bandwidth", flags->registry, "Registry egress shared by all nodes (default 100Gbit/s)");
  cmd->add_option("--node-bandwidth", flags->node, "A node's download bandwidth (default 2Gbit/s)");
  cmd->add_option("--stream-bandwidth", flags->stream, "One HTTP stream from the registry (default 1Gbit/s)");
  cmd->add_option("--pull-concurrency", flags->concurrency, "Layers a node fetches at once (default 3, containerd's)");
  cmd->add_option("--unpack-rate", flags->unpack, "Compressed bytes/s a node decompresses and unpacks (default 500MB/s)");
  cmd->add_option("--unpack-from", flags->unpack_from, "Take the unpack rate from a coldstart bench pull -o json file");
  cmd->add_option("--cache-hit", flags->cache_hit, "Share of the stable bytes already on a node, 0..1 (default 1)");
  cmd->add_option("--piece-size", flags->piece, "P2P piece size (default 4MB)");
  cmd->add_option("--peer-upload", flags->peer_upload, "What a node uploads to peers (default: --node-bandwidth)");
  cmd->add_option("--chart", flags->chart, "Write an SVG chart of time against N (log scales), one line per strategy");
  cmd->footer(
      "Examples:\n"
      "  coldstart bench simulate --image-size 20GB --stable-fraction 0.8 --chart scaleout.svg\n"
      "  coldstart analyze oci:examples/images/aigc:v1 oci:examples/images/aigc:v5 -o json >plan.json\n"
      "  coldstart bench simulate --plan plan.json --nodes 1,10,100,1000 -o json\n"
      "Bandwidths take bits or bytes: 10Gbit/s, 2Gbps, 500MB/s, 1GiB/s. Model: docs/bench-simulate.md");
  set_action(cmd, [flags, &global] { return run_simulate(*flags, global); });
}

}  // namespace coldstart::cli
