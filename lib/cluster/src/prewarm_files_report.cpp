// The prewarm files report: JSON/YAML (schema in docs/prewarm.md) and the human table.
#include <fmt/format.h>

#include "coldstart/cluster/prewarm_files.hpp"
#include "coldstart/core/output.hpp"
#include "coldstart/core/units.hpp"

namespace coldstart::cluster {

namespace {
double ratio(std::uint64_t part, std::uint64_t whole) {
  return whole ? static_cast<double>(part) / static_cast<double>(whole) : 1.0;
}
}  // namespace

nlohmann::ordered_json prewarm_files_to_json(const PrewarmFilesReport& r) {
  nlohmann::ordered_json doc;
  doc["schema_version"] = 1;
  doc["kind"] = "coldstart-prewarm-files";
  doc["mode"] = to_string(r.mode);
  auto files = nlohmann::ordered_json::array();
  for (const auto& f : r.files) {
    nlohmann::ordered_json j;
    j["path"] = f.path;
    j["size_bytes"] = f.size_bytes;
    j["warm_bytes"] = f.warm_bytes;
    j["resident_before_bytes"] = f.resident_before_bytes;
    j["resident_after_bytes"] = f.resident_after_bytes;
    files.push_back(std::move(j));
  }
  doc["files"] = std::move(files);
  nlohmann::ordered_json totals;
  totals["files"] = r.files.size();
  totals["size_bytes"] = r.size_bytes;
  totals["resident_before_bytes"] = r.resident_before_bytes;
  totals["resident_after_bytes"] = r.resident_after_bytes;
  totals["resident_before_ratio"] = ratio(r.resident_before_bytes, r.size_bytes);
  totals["resident_after_ratio"] = ratio(r.resident_after_bytes, r.size_bytes);
  totals["bytes_read"] = r.bytes_read;
  totals["seconds"] = r.seconds;
  totals["throughput_bytes_per_second"] = r.throughput_bytes_per_second();
  totals["threads"] = r.threads;
  doc["totals"] = std::move(totals);
  nlohmann::ordered_json memory;
  memory["mem_available_bytes"] = r.mem_available_bytes;
  memory["budget_bytes"] = r.budget_bytes;
  memory["fits"] = r.fits();
  memory["not_warmed_bytes"] = r.not_warmed_bytes;
  memory["locked_bytes"] = r.locked_bytes;
  doc["memory"] = std::move(memory);
  return doc;
}

std::string render_prewarm_files_table(const PrewarmFilesReport& r, bool markdown) {
  Table table({{"FILE"}, {"SIZE", Align::right}, {"RESIDENT BEFORE", Align::right}, {"RESIDENT AFTER", Align::right}});
  for (const auto& f : r.files)
    table.add_row({f.path, format_bytes(f.size_bytes), format_percent(ratio(f.resident_before_bytes, f.size_bytes)),
                   format_percent(ratio(f.resident_after_bytes, f.size_bytes))});
  table.add_separator();
  table.add_row({fmt::format("total ({} files)", r.files.size()), format_bytes(r.size_bytes),
                 format_percent(ratio(r.resident_before_bytes, r.size_bytes)),
                 format_percent(ratio(r.resident_after_bytes, r.size_bytes))});
  std::string out = markdown ? table.render_markdown() : table.render_text();
  out += "\n";
  switch (r.mode) {
    case FilesMode::warm:
    case FilesMode::lock:
      out += fmt::format("read {} in {} ({}/s, {} threads)\n", format_bytes(r.bytes_read), format_duration(r.seconds),
                         format_bytes(static_cast<std::uint64_t>(r.throughput_bytes_per_second())), r.threads);
      if (!r.fits())
        out += fmt::format(
            "does not fit in memory: {} of files, budget {} (MemAvailable {}); warmed the first {}, left {} cold "
            "(--max-bytes sets the budget)\n",
            format_bytes(r.size_bytes), format_bytes(r.budget_bytes), format_bytes(r.mem_available_bytes),
            format_bytes(r.size_bytes - r.not_warmed_bytes), format_bytes(r.not_warmed_bytes));
      if (r.mode == FilesMode::lock)
        out += fmt::format("locked {} in memory; holding until SIGINT/SIGTERM (Ctrl-C)\n", format_bytes(r.locked_bytes));
      break;
    case FilesMode::evict:
      out += fmt::format("evicted in {}\n", format_duration(r.seconds));
      break;
    case FilesMode::check:
      break;
  }
  return out;
}

}  // namespace coldstart::cluster
