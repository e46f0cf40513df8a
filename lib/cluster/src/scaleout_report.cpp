#include "coldstart/cluster/scaleout_report.hpp"

#include <fmt/format.h>

#include <cmath>

#include "coldstart/cluster/scaleout_input.hpp"
#include "coldstart/core/output.hpp"
#include "coldstart/core/svg_chart.hpp"
#include "coldstart/core/units.hpp"

namespace coldstart::cluster {
namespace {

std::uint64_t bytes(double value) { return static_cast<std::uint64_t>(std::llround(value)); }

// Decimal units, as bandwidths and disk sizes are quoted (20 GB, 500 MB/s).
std::string size(double value) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  int u = 0;
  while (value >= 1000 && u < 4) value /= 1000, ++u;
  return fmt::format("{:.3g} {}", value, units[u]);
}

std::string rate(double bytes_per_second) {
  const double bits = bytes_per_second * 8;
  return bits >= 1e9 ? fmt::format("{:g} Gbit/s", bits / 1e9) : fmt::format("{:g} Mbit/s", bits / 1e6);
}

double speedup(const std::vector<ScaleoutTime>& row) { return row.front().seconds / row.back().seconds; }

// The lines above the table: what was simulated, with which inputs.
std::string preamble(const ScaleoutRun& run, const char* bullet) {
  const auto& i = run.image;
  const auto& p = run.parameters;
  std::string out = fmt::format("{}{} ({}): {} to pull, {} stable (cache), {} volatile (P2P)\n", bullet, i.name, run.source,
                                size(i.image_bytes), size(i.stable_bytes), size(i.volatile_bytes()));
  out += fmt::format("{}registry {} · node {} · {} streams x {} · unpack {}/s · cache hit {} · piece {} · peer upload {}\n",
                     bullet, rate(p.registry_bandwidth), rate(p.node_bandwidth), p.pull_concurrency, rate(p.stream_bandwidth),
                     size(p.unpack_bandwidth), format_percent(p.cache_hit_ratio), size(p.piece_bytes), rate(p.peer_upload_bandwidth));
  return out;
}

Table results_table(const ScaleoutRun& run) {
  std::vector<Table::Column> columns = {{"NODES", Align::right}};
  for (Strategy s : kStrategies) {
    std::string header(display_name(s));
    for (auto& c : header) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    columns.push_back({header, Align::right});
  }
  columns.push_back({"SPEEDUP", Align::right});
  Table table(columns);
  for (std::size_t n = 0; n < run.nodes.size(); ++n) {
    std::vector<std::string> cells = {std::to_string(run.nodes[n])};
    for (const auto& t : run.times[n]) cells.push_back(format_duration(t.seconds));
    cells.push_back(fmt::format("{:.1f}x", speedup(run.times[n])));
    table.add_row(cells);
  }
  return table;
}

std::string bottlenecks(const ScaleoutRun& run, const char* bullet) {
  std::string out = fmt::format("{}at {} nodes the fetch is bound by: ", bullet, run.nodes.back());
  for (const auto& t : run.times.back())
    out += fmt::format("{}{}: {}", &t == &run.times.back().front() ? "" : "; ", display_name(t.strategy), t.bottleneck);
  return out + "\n";
}

}  // namespace

ScaleoutRun run_scaleout(const ScaleoutImage& image, const ScaleoutParameters& parameters, std::vector<std::uint64_t> nodes,
                         std::string source) {
  ScaleoutRun run{std::move(source), image, parameters, std::move(nodes), {}};
  for (std::uint64_t n : run.nodes) {
    std::vector<ScaleoutTime> row;
    for (Strategy s : kStrategies) row.push_back(simulate(image, parameters, s, n));
    run.times.push_back(std::move(row));
  }
  return run;
}

nlohmann::ordered_json scaleout_to_json(const ScaleoutRun& run) {
  const auto& i = run.image;
  const auto& p = run.parameters;
  nlohmann::ordered_json doc;
  doc["schema_version"] = kScaleoutSchemaVersion;
  doc["kind"] = "coldstart-scaleout-simulation";
  doc["source"] = run.source;
  doc["image"] = {{"name", i.name}, {"image_bytes", bytes(i.image_bytes)}, {"stable_bytes", bytes(i.stable_bytes)},
                  {"volatile_bytes", bytes(i.volatile_bytes())}, {"largest_layer_bytes", bytes(i.largest_layer_bytes)},
                  {"largest_volatile_layer_bytes", bytes(i.largest_volatile_layer_bytes)}};
  doc["parameters"] = {{"registry_bytes_per_second", p.registry_bandwidth},
                       {"node_bytes_per_second", p.node_bandwidth},
                       {"stream_bytes_per_second", p.stream_bandwidth},
                       {"pull_concurrency", p.pull_concurrency},
                       {"unpack_bytes_per_second", p.unpack_bandwidth},
                       {"cache_hit_ratio", p.cache_hit_ratio},
                       {"piece_bytes", bytes(p.piece_bytes)},
                       {"peer_upload_bytes_per_second", p.peer_upload_bandwidth}};
  nlohmann::ordered_json strategies = nlohmann::ordered_json::array();
  for (Strategy s : kStrategies) strategies.push_back({{"name", to_string(s)}, {"description", describe(s)}});
  doc["strategies"] = strategies;
  nlohmann::ordered_json results = nlohmann::ordered_json::array();
  for (std::size_t n = 0; n < run.nodes.size(); ++n) {
    nlohmann::ordered_json per = nlohmann::ordered_json::object();
    for (const auto& t : run.times[n])
      per[std::string(to_string(t.strategy))] = {{"seconds", t.seconds},
                                                 {"fetch_seconds", t.fetch_seconds},
                                                 {"unpack_seconds", t.unpack_seconds},
                                                 {"bytes_per_node", bytes(t.bytes_per_node)},
                                                 {"registry_bytes", bytes(t.registry_bytes)},
                                                 {"bottleneck", t.bottleneck}};
    results.push_back({{"nodes", run.nodes[n]}, {"speedup", speedup(run.times[n])}, {"strategies", per}});
  }
  doc["results"] = results;
  return doc;
}

std::string scaleout_table(const ScaleoutRun& run) {
  return preamble(run, "") + "\n" + results_table(run).render_text() + "\n" + bottlenecks(run, "") +
         "SPEEDUP = registry only / cache + P2P. Time until all N pods have their image; model: docs/bench-simulate.md\n";
}

std::string scaleout_markdown(const ScaleoutRun& run) {
  return "## bench simulate\n\n" + preamble(run, "- ") + "\n" + results_table(run).render_markdown() + "\n" +
         bottlenecks(run, "- ") + "\nSPEEDUP = registry only / cache + P2P. Model: docs/bench-simulate.md\n";
}

std::string scaleout_chart_svg(const ScaleoutRun& run) {
  Chart chart;
  chart.title = fmt::format("Scale-out: time until all N pods have the image ({})", run.image.name);
  chart.subtitle = fmt::format("{} to pull, {} stable; registry {}, node {}, peer upload {}, unpack {}/s", size(run.image.image_bytes),
                               size(run.image.stable_bytes), rate(run.parameters.registry_bandwidth), rate(run.parameters.node_bandwidth),
                               rate(run.parameters.peer_upload_bandwidth), size(run.parameters.unpack_bandwidth));
  chart.x.label = "nodes scaling out at once (log scale)";
  chart.x.scale = AxisScale::log;
  chart.x.format = [](double v) { return fmt::format("{:g}", v); };
  chart.y.label = "time until all pods have the image (log scale)";
  chart.y.scale = AxisScale::log;
  // Durations people read: 10 s, 30 s, 1 min, 5 min, ... rather than 100 s or 1000 s.
  chart.y.ticks = {0.001, 0.01, 0.1, 1, 10, 30, 60, 300, 600, 1800, 3600, 3 * 3600, 10 * 3600, 86400, 7 * 86400};
  chart.y.format = [](double s) {
    if (s < 1) return fmt::format("{:g} ms", s * 1000);
    if (s < 60) return fmt::format("{:g} s", s);
    if (s < 3600) return fmt::format("{:g} min", s / 60);
    return fmt::format("{:g} h", s / 3600);
  };
  // Lines coincide where a strategy is not yet limited (registry = P2P at small N): dashes keep both visible.
  const char* colours[] = {"#d62728", "#ff7f0e", "#2ca02c", "#1f77b4"};
  const char* dashes[] = {"", "7 4", "2 3", ""};
  for (std::size_t k = 0; k < std::size(kStrategies); ++k) {
    ChartSeries s{std::string(display_name(kStrategies[k])), colours[k], dashes[k], k == 3 ? 2.5 : 2, true, {}, {}, ""};
    for (std::size_t n = 0; n < run.nodes.size(); ++n) {
      s.x.push_back(static_cast<double>(run.nodes[n]));
      s.y.push_back(run.times[n][k].seconds);
    }
    if (!run.nodes.empty()) s.end_label = format_duration(run.times.back()[k].seconds);
    chart.series.push_back(std::move(s));
  }
  return render_svg(chart);
}

}  // namespace coldstart::cluster
