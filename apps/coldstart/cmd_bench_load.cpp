// coldstart bench load FILE...: read model weights with a cold page cache and a warm one, to show
// what prewarm files buys; safetensors headers (tensor count, parameters) are reported too.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <optional>

#include "cli.hpp"
#include "coldstart/analyze/safetensors.hpp"
#include "coldstart/cluster/load_bench.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/stats.hpp"
#include "coldstart/core/units.hpp"
#include "coldstart/image/file_stream.hpp"

namespace coldstart::cli {
namespace {

using Json = nlohmann::ordered_json;

struct BenchLoadFlags {
  std::vector<std::string> files;
  int samples = 3;
  int warmup = 0;
  std::string mode = "both";
};

// A cold sample that started with more than this much of the file cached was not really cold.
constexpr double kColdResidencyLimit = 0.05;

struct FileReport {
  cluster::LoadResult result;
  std::optional<analyze::SafetensorsSummary> safetensors;
  std::optional<std::string> note;
};

std::optional<analyze::SafetensorsSummary> try_safetensors(const std::string& file, std::uint64_t size) {
  if (file.size() < 12 || file.substr(file.size() - 12) != ".safetensors") return std::nullopt;
  auto stream = image::open_file_stream(file);
  return analyze::read_safetensors_header(*stream, size, file);
}

Json summary_json(const Summary& s) {
  return Json{{"count", s.count}, {"min", s.min}, {"mean", s.mean}, {"stddev", s.stddev}, {"p50", s.p50},
              {"p90", s.p90},     {"p99", s.p99}, {"max", s.max}};
}

std::vector<double> seconds_of(const std::vector<cluster::LoadSample>& samples) {
  std::vector<double> v;
  for (const auto& s : samples) v.push_back(s.seconds);
  return v;
}
std::vector<double> rates_of(const std::vector<cluster::LoadSample>& samples, std::uint64_t bytes) {
  std::vector<double> v;
  for (const auto& s : samples) v.push_back(s.seconds > 0 ? static_cast<double>(bytes) / s.seconds : 0);
  return v;
}
double max_resident(const std::vector<cluster::LoadSample>& samples) {
  double m = 0;
  for (const auto& s : samples) m = std::max(m, s.resident_before);
  return m;
}

Json mode_json(const std::vector<cluster::LoadSample>& samples, std::uint64_t bytes) {
  if (samples.empty()) return nullptr;
  return Json{{"seconds", summary_json(summarize(seconds_of(samples)))},
              {"bytes_per_second", summary_json(summarize(rates_of(samples, bytes)))},
              {"resident_before_max", max_resident(samples)}};
}

std::string seconds_text(double s) { return s < 1.0 ? fmt::format("{:.1f}ms", s * 1000) : fmt::format("{:.3f}s", s); }

int run_bench_load(const BenchLoadFlags& f, const GlobalOptions& global) {
  const bool csv = global.output == "csv";
  const OutputFormat format = csv ? OutputFormat::table : global.format();
  if (f.samples < 1) throw UsageError("--samples must be 1 or more");
  if (f.warmup < 0) throw UsageError("--warmup must be 0 or more");
  const cluster::LoadMode mode = f.mode == "cold" ? cluster::LoadMode::cold
                                 : f.mode == "warm" ? cluster::LoadMode::warm
                                                    : cluster::LoadMode::both;
  std::vector<FileReport> reports;
  for (const auto& file : f.files) {
    FileReport r;
    // The header first: read after the samples it would leave pages of a --mode cold file cached.
    try {
      r.safetensors = try_safetensors(file, std::filesystem::file_size(file));
    } catch (const Error& e) {
      r.note = std::string("not a readable safetensors file: ") + e.what();
    }
    r.result = cluster::bench_load(file, f.samples, f.warmup, mode);
    if (!r.result.cold.empty() && max_resident(r.result.cold) > kColdResidencyLimit)
      r.note = fmt::format("the page cache could not be evicted ({:.0f}% resident before a cold read; tmpfs?): "
                           "cold numbers are not cold",
                           max_resident(r.result.cold) * 100);
    reports.push_back(std::move(r));
  }

  Json doc{{"schema_version", 1}, {"samples", f.samples}, {"warmup", f.warmup}, {"mode", f.mode}};
  Json files = Json::array();
  for (const auto& r : reports) {
    Json j{{"path", r.result.file.string()}, {"bytes", r.result.bytes}};
    if (r.safetensors) {
      Json dtypes = Json::object();
      for (const auto& [k, v] : r.safetensors->dtypes) dtypes[k] = v;
      j["safetensors"] = Json{{"header_bytes", r.safetensors->header_bytes},
                              {"tensor_count", r.safetensors->tensor_count},
                              {"parameter_count", r.safetensors->parameter_count},
                              {"dtypes", dtypes}};
    } else {
      j["safetensors"] = nullptr;
    }
    j["cold"] = mode_json(r.result.cold, r.result.bytes);
    j["warm"] = mode_json(r.result.warm, r.result.bytes);
    j["note"] = r.note ? Json(*r.note) : Json(nullptr);
    files.push_back(j);
  }
  doc["files"] = files;

  struct Row {
    std::string file, cache;
    const std::vector<cluster::LoadSample>* samples;
    std::uint64_t bytes;
  };
  std::vector<Row> rows;
  for (const auto& r : reports) {
    if (!r.result.cold.empty()) rows.push_back({r.result.file.string(), "cold", &r.result.cold, r.result.bytes});
    if (!r.result.warm.empty()) rows.push_back({r.result.file.string(), "warm", &r.result.warm, r.result.bytes});
  }
  if (csv) {
    std::string out = "file,cache,count,min,mean,stddev,p50,p90,p99,max,bytes_per_second_mean,resident_before_max\n";
    for (const auto& row : rows) {
      const Summary s = summarize(seconds_of(*row.samples));
      out += fmt::format("{},{},{},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.0f},{:.4f}\n", row.file, row.cache,
                         s.count, s.min, s.mean, s.stddev, s.p50, s.p90, s.p99, s.max,
                         summarize(rates_of(*row.samples, row.bytes)).mean, max_resident(*row.samples));
    }
    std::fputs(out.c_str(), stdout);
    return 0;
  }
  auto render = [&](bool markdown) {
    Table table({{"FILE"}, {"CACHE"}, {"SIZE", Align::right}, {"MIN", Align::right}, {"MEAN", Align::right},
                 {"P50", Align::right}, {"P90", Align::right}, {"MAX", Align::right}, {"THROUGHPUT", Align::right},
                 {"RESIDENT", Align::right}});
    for (const auto& row : rows) {
      const Summary s = summarize(seconds_of(*row.samples));
      table.add_row({row.file, row.cache, format_bytes(row.bytes), seconds_text(s.min), seconds_text(s.mean),
                     seconds_text(s.p50), seconds_text(s.p90), seconds_text(s.max),
                     format_bytes(static_cast<std::uint64_t>(summarize(rates_of(*row.samples, row.bytes)).mean)) + "/s",
                     format_percent(max_resident(*row.samples))});
    }
    std::string out = markdown ? table.render_markdown() : table.render_text();
    for (const auto& r : reports) {
      if (r.safetensors)
        out += fmt::format("{}{}: safetensors, {} tensors, {} parameters, header {}\n", markdown ? "- " : "",
                           r.result.file.string(), r.safetensors->tensor_count, r.safetensors->parameter_count,
                           format_bytes(r.safetensors->header_bytes));
      if (r.note) out += fmt::format("{}{}: {}\n", markdown ? "- " : "", r.result.file.string(), *r.note);
    }
    return out;
  };
  print_document(format, doc, format == OutputFormat::table ? render(false) : "",
                 format == OutputFormat::markdown ? render(true) : "");
  return 0;
}

}  // namespace

void register_bench_load(CLI::App& bench, GlobalOptions& global) {
  auto f = std::make_shared<BenchLoadFlags>();
  auto* cmd = bench.add_subcommand("load", "Time reading model weights with a cold and a warm page cache");
  cmd->add_option("FILE", f->files, "Files to read (e.g. model.safetensors)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--samples", f->samples, "Timed reads per cache state (default 3)");
  cmd->add_option("--warmup", f->warmup, "Untimed reads before them (default 0)");
  cmd->add_option("--mode", f->mode, "cold, warm or both (default both); cold leaves the files evicted")
      ->check(CLI::IsMember({"cold", "warm", "both"}));
  cmd->footer(
      "Cold reads follow posix_fadvise(DONTNEED) after a flush; mincore checks the file really left the page cache.\n"
      "Output: -o table (default), json, csv or markdown.\n"
      "Examples:\n"
      "  coldstart bench load models/sd/model.safetensors\n"
      "  coldstart bench load --samples 5 -o json weights/*.safetensors");
  set_action(cmd, [&global, f] { return run_bench_load(*f, global); });
}

}  // namespace coldstart::cli
