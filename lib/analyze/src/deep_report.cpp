// Rendering a DeepReport: the JSON schema (schema_version 1, docs/deep-analysis.md), a bloaty-style
// text view, and the same tables as Markdown for PR comments.
#include <fmt/format.h>

#include "coldstart/core/digest.hpp"
#include "coldstart/core/output.hpp"
#include "coldstart/core/units.hpp"
#include "coldstart/analyze/deep_analysis.hpp"

namespace coldstart::analyze {
namespace {

using json = nlohmann::ordered_json;

std::string count(std::uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string shorten(std::string_view text, std::size_t width) {
  std::string flat(text);
  for (auto& c : flat)
    if (c == '\n' || c == '\t') c = ' ';
  if (flat.size() <= width) return flat;
  return flat.substr(0, width - 3) + "...";
}

// Shortens a long path from the left, where the least telling part is.
std::string shorten_path(std::string_view path, std::size_t width = 70) {
  if (path.size() <= width) return std::string(path);
  return "..." + std::string(path.substr(path.size() - (width - 3)));
}

std::string parameters(std::uint64_t n) {
  if (n >= 1000000000ull) return fmt::format("{:.2f}B", n / 1e9);
  if (n >= 1000000ull) return fmt::format("{:.1f}M", n / 1e6);
  if (n >= 1000ull) return fmt::format("{:.1f}K", n / 1e3);
  return std::to_string(n);
}

std::string dtypes_text(const std::map<std::string, std::uint64_t>& dtypes) {
  std::string out;
  for (auto& [dtype, n] : dtypes) out += (out.empty() ? "" : ",") + fmt::format("{}:{}", dtype, n);
  return out;
}

double share(std::uint64_t part, std::uint64_t whole) { return whole ? static_cast<double>(part) / whole : 0.0; }

struct Tables {
  std::string summary;
  std::vector<std::pair<std::string, Table>> sections;
};

Tables build_tables(const DeepReport& r) {
  Tables t;
  t.summary = fmt::format(
      "{} files ({} directories, {} symlinks), final filesystem {}; layers ship {}, of which {} ({}) in {} files is "
      "wasted (overwritten or deleted by a later layer)",
      count(r.files), count(r.directories), count(r.symlinks), format_bytes(r.final_size_bytes),
      format_bytes(r.total_added_bytes), format_bytes(r.wasted_bytes), format_percent(r.wasted_ratio),
      count(r.wasted_files));
  if (r.unchecked_layers > 0)
    t.summary += fmt::format("\nwarning: {} of {} layers have no diff_id in the config ({} listed) and were not verified",
                             r.unchecked_layers, r.layers.size(), r.config_diff_ids);

  Table layers({{"#", Align::right},
                {"LAYER"},
                {"COMP"},
                {"COMPRESSED", Align::right},
                {"FILES", Align::right},
                {"ADDED", Align::right},
                {"WASTED", Align::right},
                {"WASTED%", Align::right},
                {"TIME", Align::right},
                {"CREATED BY"}});
  std::uint64_t compressed = 0, files = 0;
  double seconds = 0;
  for (auto& l : r.layers) {
    layers.add_row({std::to_string(l.index), short_digest(l.digest), l.compression, format_bytes(l.compressed_bytes),
                    count(l.files), format_bytes(l.bytes_added), format_bytes(l.bytes_wasted),
                    format_percent(share(l.bytes_wasted, l.bytes_added)), format_duration(l.seconds),
                    shorten(l.created_by, 50)});
    compressed += l.compressed_bytes;
    files += l.files;
    seconds += l.seconds;
  }
  layers.add_separator();
  layers.add_row({"", "total", "", format_bytes(compressed), count(files), format_bytes(r.total_added_bytes),
                  format_bytes(r.wasted_bytes), format_percent(r.wasted_ratio), format_duration(r.seconds), ""});
  t.sections.emplace_back("Layers", std::move(layers));

  Table categories({{"CATEGORY"}, {"SIZE", Align::right}, {"FILES", Align::right}, {"SHARE", Align::right}});
  for (std::size_t i = 0; i < kContentCategoryCount; ++i) {
    auto& c = r.categories[i];
    categories.add_row({std::string(to_string(static_cast<ContentCategory>(i))), format_bytes(c.bytes), count(c.files),
                        format_percent(share(c.bytes, r.final_size_bytes))});
  }
  t.sections.emplace_back("Content of the final filesystem", std::move(categories));

  if (!r.largest_files.empty()) {
    Table files_table({{"SIZE", Align::right}, {"LAYER", Align::right}, {"CATEGORY"}, {"PATH"}});
    for (auto& f : r.largest_files)
      files_table.add_row({format_bytes(f.size), std::to_string(f.layer), std::string(to_string(f.category)),
                           shorten_path(f.path)});
    t.sections.emplace_back("Largest files", std::move(files_table));
  }
  if (!r.largest_directories.empty()) {
    Table dirs({{"SIZE", Align::right}, {"FILES", Align::right}, {"PATH"}});
    for (auto& d : r.largest_directories) dirs.add_row({format_bytes(d.size), count(d.files), shorten_path(d.path)});
    t.sections.emplace_back("Largest directories", std::move(dirs));
  }
  if (!r.largest_wasted.empty()) {
    Table wasted({{"WASTED", Align::right}, {"COPIES", Align::right}, {"STATE"}, {"PATH"}});
    for (auto& w : r.largest_wasted)
      wasted.add_row({format_bytes(w.wasted_bytes), std::to_string(w.copies), w.deleted ? "deleted" : "overwritten",
                      shorten_path(w.path)});
    t.sections.emplace_back("Wasted paths", std::move(wasted));
  }
  if (!r.model_weights.empty()) {
    Table weights({{"SIZE", Align::right},
                   {"LAYER", Align::right},
                   {"FORMAT"},
                   {"EVIDENCE"},
                   {"TENSORS", Align::right},
                   {"PARAMETERS", Align::right},
                   {"DTYPES"},
                   {"FINAL"},
                   {"PATH"}});
    for (auto& w : r.model_weights) {
      std::string tensors = "-", params = "-", dtypes = w.header_error.empty() ? "-" : "unreadable header";
      if (w.safetensors) {
        tensors = count(w.safetensors->tensor_count);
        params = count(w.safetensors->parameter_count) + " (" + parameters(w.safetensors->parameter_count) + ")";
        dtypes = dtypes_text(w.safetensors->dtypes);
      }
      weights.add_row({format_bytes(w.size), std::to_string(w.layer), w.format, w.evidence, tensors, params, dtypes,
                       w.in_final_filesystem ? "yes" : "no", shorten_path(w.path, 60)});
    }
    t.sections.emplace_back("Model weights baked into the image", std::move(weights));
  }
  if (r.suspicious_total > 0) {
    Table suspicious({{"LAYER", Align::right}, {"REASON"}, {"PATH"}});
    for (auto& s : r.suspicious) suspicious.add_row({std::to_string(s.layer), s.reason, shorten_path(s.path)});
    std::string title = "Suspicious tar entries";
    if (r.suspicious_total > r.suspicious.size())
      title += fmt::format(" (first {} of {})", r.suspicious.size(), r.suspicious_total);
    t.sections.emplace_back(title, std::move(suspicious));
  }
  return t;
}

}  // namespace

nlohmann::ordered_json to_json(const DeepReport& r) {
  json doc;
  doc["schema_version"] = 1;
  doc["kind"] = "deep_analysis";
  doc["image"] = r.image;
  doc["manifest_digest"] = r.manifest_digest;
  doc["summary"] = {{"files", r.files},
                    {"directories", r.directories},
                    {"symlinks", r.symlinks},
                    {"final_size_bytes", r.final_size_bytes},
                    {"total_added_bytes", r.total_added_bytes},
                    {"wasted_bytes", r.wasted_bytes},
                    {"wasted_files", r.wasted_files},
                    {"wasted_ratio", r.wasted_ratio},
                    {"wasted_percent", r.wasted_ratio * 100.0},
                    {"model_weight_files", r.model_weights.size()},
                    {"config_diff_ids", r.config_diff_ids},
                    {"unchecked_layers", r.unchecked_layers},
                    {"suspicious_entries", r.suspicious_total},
                    {"seconds", r.seconds}};
  json layers = json::array();
  for (auto& l : r.layers)
    layers.push_back({{"index", l.index},
                      {"digest", l.digest},
                      {"diff_id", l.diff_id},
                      {"diff_id_checked", l.diff_id_checked},
                      {"media_type", l.media_type},
                      {"compression", l.compression},
                      {"created_by", l.created_by},
                      {"compressed_bytes", l.compressed_bytes},
                      {"uncompressed_bytes", l.uncompressed_bytes},
                      {"entries", l.entries},
                      {"files", l.files},
                      {"directories", l.directories},
                      {"symlinks", l.symlinks},
                      {"whiteouts", l.whiteouts},
                      {"bytes_added", l.bytes_added},
                      {"bytes_wasted", l.bytes_wasted},
                      {"files_wasted", l.files_wasted},
                      {"seconds", l.seconds}});
  doc["layers"] = std::move(layers);
  json categories = json::object();
  for (std::size_t i = 0; i < kContentCategoryCount; ++i)
    categories[std::string(to_string(static_cast<ContentCategory>(i)))] = {{"bytes", r.categories[i].bytes},
                                                                           {"files", r.categories[i].files}};
  doc["categories"] = std::move(categories);
  json files = json::array();
  for (auto& f : r.largest_files)
    files.push_back({{"path", f.path}, {"size", f.size}, {"layer_index", f.layer}, {"category", to_string(f.category)}});
  doc["largest_files"] = std::move(files);
  json dirs = json::array();
  for (auto& d : r.largest_directories) dirs.push_back({{"path", d.path}, {"size", d.size}, {"files", d.files}});
  doc["largest_directories"] = std::move(dirs);
  json wasted = json::array();
  for (auto& w : r.largest_wasted)
    wasted.push_back(
        {{"path", w.path}, {"wasted_bytes", w.wasted_bytes}, {"copies", w.copies}, {"deleted", w.deleted}});
  doc["wasted_paths"] = std::move(wasted);
  json weights = json::array();
  for (auto& w : r.model_weights) {
    json item = {{"path", w.path},
                 {"size", w.size},
                 {"layer_index", w.layer},
                 {"format", w.format},
                 {"evidence", w.evidence},
                 {"in_final_filesystem", w.in_final_filesystem}};
    if (w.safetensors) {
      json dtypes = json::object();
      for (auto& [dtype, n] : w.safetensors->dtypes) dtypes[dtype] = n;
      item["safetensors"] = {{"header_bytes", w.safetensors->header_bytes},
                             {"tensor_count", w.safetensors->tensor_count},
                             {"parameter_count", w.safetensors->parameter_count},
                             {"dtypes", std::move(dtypes)}};
    } else {
      item["safetensors"] = nullptr;
    }
    if (!w.header_error.empty()) item["header_error"] = w.header_error;
    weights.push_back(std::move(item));
  }
  doc["model_weights"] = std::move(weights);
  json suspicious = json::array();
  for (auto& s : r.suspicious) suspicious.push_back({{"layer_index", s.layer}, {"path", s.path}, {"reason", s.reason}});
  doc["suspicious"] = {{"total", r.suspicious_total}, {"entries", std::move(suspicious)}};
  return doc;
}

std::string render_table(const DeepReport& r) {
  auto t = build_tables(r);
  std::string out = fmt::format("Deep analysis of {} ({})\n{}\n", r.image, short_digest(r.manifest_digest), t.summary);
  for (auto& [title, table] : t.sections) out += "\n" + title + "\n" + table.render_text();
  return out;
}

std::string render_markdown(const DeepReport& r) {
  auto t = build_tables(r);
  std::string out = fmt::format("## Deep analysis of `{}`\n\n{}\n", r.image, t.summary);
  for (auto& [title, table] : t.sections) out += "\n### " + title + "\n\n" + table.render_markdown();
  return out;
}

}  // namespace coldstart::analyze
