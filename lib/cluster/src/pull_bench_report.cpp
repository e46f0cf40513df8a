#include "coldstart/cluster/pull_bench_report.hpp"

#include <fmt/format.h>

#include <cmath>
#include <functional>

#include "coldstart/core/error.hpp"
#include "coldstart/core/file.hpp"
#include "coldstart/core/output.hpp"
#include "coldstart/core/stats.hpp"
#include "coldstart/core/units.hpp"

namespace coldstart::cluster {
namespace {

using Json = nlohmann::ordered_json;
using Getter = std::function<double(const PullSample&)>;

struct Phase {
  const char* name;
  Getter get;
};

const std::vector<Phase>& phases() {
  static const std::vector<Phase> list{
      {"resolve", [](const PullSample& s) { return s.resolve_seconds; }},
      {"config", [](const PullSample& s) { return s.config_seconds; }},
      {"fetch", [](const PullSample& s) { return s.fetch_seconds; }},
      {"unpack", [](const PullSample& s) { return s.unpack_seconds; }},
      {"total", [](const PullSample& s) { return s.total_seconds; }},
  };
  return list;
}

std::vector<double> collect(const std::vector<PullSample>& samples, const Getter& get) {
  std::vector<double> values;
  for (const auto& s : samples) values.push_back(get(s));
  return values;
}

double ratio(double bytes, double seconds) { return seconds > 0 ? bytes / seconds : 0; }

std::vector<double> network_rates(const BenchRun& run) {
  std::vector<double> v;
  for (const auto& s : run.samples) v.push_back(ratio(static_cast<double>(s.compressed_bytes), s.fetch_seconds));
  return v;
}
std::vector<double> decompress_rates(const BenchRun& run) {
  std::vector<double> v;
  for (const auto& s : run.samples)
    if (s.unpack_seconds > 0) v.push_back(ratio(static_cast<double>(s.uncompressed_bytes), s.unpack_seconds));
  return v;
}

Json summary_json(const Summary& s) {
  return Json{{"count", s.count}, {"min", s.min}, {"mean", s.mean}, {"stddev", s.stddev}, {"p50", s.p50},
              {"p90", s.p90},     {"p99", s.p99}, {"max", s.max}};
}

// Seconds for a benchmark table: milliseconds with one decimal below 1 s.
std::string seconds_text(double s) {
  if (s < 1.0) return fmt::format("{:.1f}ms", s * 1000);
  if (s < 60.0) return fmt::format("{:.3f}s", s);
  return format_duration(s);
}

std::string rate_text(double bytes_per_second) {
  return format_bytes(static_cast<std::uint64_t>(std::llround(bytes_per_second))) + "/s";
}

struct PhaseRow {
  std::string run, phase;
  Summary summary;
};

std::vector<PhaseRow> phase_rows(const BenchReport& report) {
  std::vector<PhaseRow> rows;
  for (const auto& run : report.runs) {
    if (run.note) continue;
    if (run.has_phases()) {
      for (const auto& p : phases()) {
        if (std::string(p.name) == "unpack" && !report.unpack) continue;
        rows.push_back({run.name, p.name, summarize(collect(run.samples, p.get))});
      }
    } else {
      rows.push_back({run.name, "total", summarize(run.peer_seconds)});
    }
  }
  return rows;
}

const BenchRun* cold_run(const BenchReport& report) {
  for (const auto& run : report.runs)
    if (run.name == "coldstart-cold" && !run.samples.empty()) return &run;
  return nullptr;
}

}  // namespace

std::vector<double> BenchRun::totals() const {
  return has_phases() ? collect(samples, [](const PullSample& s) { return s.total_seconds; }) : peer_seconds;
}

double pod_ready_seconds(const BenchReport& report) {
  const BenchRun* cold = cold_run(report);
  const double pull = cold ? summarize(cold->totals()).p90 : 0;
  return pull + report.startup_seconds;
}

Json report_json(const BenchReport& report) {
  Json doc;
  doc["schema_version"] = 1;
  doc["image"] = report.image;
  doc["pod_ready_seconds"] = pod_ready_seconds(report);
  doc["startup_seconds"] = report.startup_seconds;
  doc["samples"] = report.samples;
  doc["warmup"] = report.warmup;
  doc["jobs"] = report.jobs;
  doc["unpack"] = report.unpack;
  doc["shuffle"] = report.shuffle;
  Json runs = Json::array();
  for (const auto& run : report.runs) {
    Json r{{"name", run.name}, {"tool", run.tool}, {"cache", run.cache}, {"command", run.command}};
    r["note"] = run.note ? Json(*run.note) : Json(nullptr);
    Json phase_stats = Json::object();
    Json samples = Json::array();
    if (!run.note && run.has_phases()) {
      for (const auto& p : phases()) {
        if (std::string(p.name) == "unpack" && !report.unpack) continue;
        phase_stats[p.name] = summary_json(summarize(collect(run.samples, p.get)));
      }
      const PullSample& first = run.samples.front();
      r["layers"] = first.layers;
      r["compressed_bytes"] = first.compressed_bytes;
      r["uncompressed_bytes"] = first.uncompressed_bytes;
      r["network_bytes_per_second"] = summary_json(summarize(network_rates(run)));
      r["decompress_bytes_per_second"] = report.unpack ? summary_json(summarize(decompress_rates(run))) : Json(nullptr);
      for (const auto& s : run.samples) {
        Json layer_seconds = s.layer_fetch_seconds;
        samples.push_back(Json{{"resolve_seconds", s.resolve_seconds},
                               {"config_seconds", s.config_seconds},
                               {"fetch_seconds", s.fetch_seconds},
                               {"unpack_seconds", s.unpack_seconds},
                               {"total_seconds", s.total_seconds},
                               {"layer_fetch_seconds", layer_seconds},
                               {"files", s.unpack.files},
                               {"whiteouts", s.unpack.whiteouts}});
      }
    } else if (!run.note) {
      phase_stats["total"] = summary_json(summarize(run.peer_seconds));
      for (double s : run.peer_seconds) samples.push_back(Json{{"total_seconds", s}});
    }
    r["phases"] = phase_stats;
    r["samples"] = samples;
    runs.push_back(r);
  }
  doc["runs"] = runs;
  if (report.baseline) {
    const auto& b = *report.baseline;
    doc["baseline"] = Json{{"file", b.file},         {"tolerance", b.tolerance}, {"baseline_mean", b.baseline_mean},
                           {"baseline_p50", b.baseline_p50}, {"mean", b.mean},    {"p50", b.p50},
                           {"regressed", b.regressed}};
  } else {
    doc["baseline"] = nullptr;
  }
  return doc;
}

std::string report_table(const BenchReport& report, bool markdown) {
  Table table({{"RUN"}, {"PHASE"}, {"MIN", Align::right}, {"MEAN", Align::right}, {"STDDEV", Align::right},
               {"P50", Align::right}, {"P90", Align::right}, {"P99", Align::right}, {"MAX", Align::right}});
  for (const auto& row : phase_rows(report)) {
    const Summary& s = row.summary;
    table.add_row({row.run, row.phase, seconds_text(s.min), seconds_text(s.mean), seconds_text(s.stddev),
                   seconds_text(s.p50), seconds_text(s.p90), seconds_text(s.p99), seconds_text(s.max)});
  }
  std::string out = fmt::format("{}{}: {} sample(s) per run, {} warm-up\n\n", markdown ? "**bench pull** " : "",
                                report.image, report.samples, report.warmup);
  out += markdown ? table.render_markdown() : table.render_text();
  out += "\n";
  for (const auto& run : report.runs) {
    if (run.note) {
      out += fmt::format("{}{}: not run: {}\n", markdown ? "- " : "", run.name, *run.note);
      continue;
    }
    if (!run.has_phases()) continue;
    const PullSample& first = run.samples.front();
    out += fmt::format("{}{}: {} layers, {} fetched at {} (network, mean)", markdown ? "- " : "", run.name,
                       first.layers, format_bytes(first.compressed_bytes), rate_text(summarize(network_rates(run)).mean));
    if (report.unpack)
      out += fmt::format(", {} unpacked at {} (decompress + write, mean)", format_bytes(first.uncompressed_bytes),
                         rate_text(summarize(decompress_rates(run)).mean));
    out += "\n";
  }
  out += fmt::format("{}pod_ready_seconds: {:.3f} (p90 cold pull + {:.3f}s startup)\n", markdown ? "- " : "",
                     pod_ready_seconds(report), report.startup_seconds);
  if (report.baseline) {
    const auto& b = *report.baseline;
    out += fmt::format("{}baseline {}: mean {} vs {}, p50 {} vs {} (tolerance {:.0f}%): {}\n", markdown ? "- " : "",
                       b.file, seconds_text(b.mean), seconds_text(b.baseline_mean), seconds_text(b.p50),
                       seconds_text(b.baseline_p50), b.tolerance * 100, b.regressed ? "REGRESSED" : "ok");
  }
  return out;
}

std::string report_csv(const BenchReport& report) {
  std::string out = "run,phase,count,min,mean,stddev,p50,p90,p99,max\n";
  for (const auto& row : phase_rows(report)) {
    const Summary& s = row.summary;
    out += fmt::format("{},{},{},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f}\n", row.run, row.phase, s.count, s.min,
                       s.mean, s.stddev, s.p50, s.p90, s.p99, s.max);
  }
  return out;
}

double parse_tolerance(const std::string& text) {
  std::string number = text;
  if (!number.empty() && number.back() == '%') number.pop_back();
  try {
    std::size_t used = 0;
    double value = std::stod(number, &used);
    if (used == number.size() && value >= 0 && std::isfinite(value)) return value / 100;
  } catch (const std::exception&) {
  }
  throw UsageError(fmt::format("--tolerance: \"{}\" is not a percentage", text), "write e.g. 10%");
}

BaselineCheck check_baseline(const BenchReport& report, const std::filesystem::path& file, double tolerance) {
  BaselineCheck check;
  check.file = file.string();
  check.tolerance = tolerance;
  Json doc;
  try {
    doc = Json::parse(read_file(file, 64 << 20));
  } catch (const nlohmann::json::exception&) {
    throw Error(fmt::format("{}: the baseline is not JSON", file.string()), "give a file written by bench pull -o json");
  }
  const Json* total = nullptr;
  if (doc.is_object() && doc.contains("runs") && doc["runs"].is_array())
    for (const auto& run : doc["runs"])
      if (run.value("name", "") == "coldstart-cold" && run.contains("phases") && run["phases"].contains("total"))
        total = &run["phases"]["total"];
  if (!total || !(*total)["mean"].is_number() || !(*total)["p50"].is_number())
    throw Error(fmt::format("{}: no coldstart-cold total in the baseline", file.string()),
                "give a file written by bench pull -o json");
  check.baseline_mean = (*total)["mean"].get<double>();
  check.baseline_p50 = (*total)["p50"].get<double>();
  const BenchRun* cold = cold_run(report);
  if (!cold) throw Error("no cold coldstart samples to compare with the baseline");
  const Summary now = summarize(cold->totals());
  check.mean = now.mean;
  check.p50 = now.p50;
  check.regressed = now.mean > check.baseline_mean * (1 + tolerance) || now.p50 > check.baseline_p50 * (1 + tolerance);
  return check;
}

}  // namespace coldstart::cluster
