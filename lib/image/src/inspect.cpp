#include "coldstart/image/inspect.hpp"

#include <fmt/format.h>

#include "coldstart/core/digest.hpp"
#include "coldstart/core/log.hpp"
#include "coldstart/core/output.hpp"
#include "coldstart/core/units.hpp"

namespace coldstart::image {

namespace {

using nlohmann::ordered_json;

constexpr int kInspectSchemaVersion = 1;
constexpr std::size_t kCreatedByWidth = 60;

ordered_json or_null(const std::string& s) { return s.empty() ? ordered_json(nullptr) : ordered_json(s); }

// Shell history lines are long and multi-line; a table cell gets one line.
std::string one_line(std::string text, bool no_trunc) {
  for (char& c : text)
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
  std::string out;
  for (char c : text)
    if (!(c == ' ' && !out.empty() && out.back() == ' ')) out.push_back(c);
  // "/bin/sh -c #(nop) " says nothing a reader needs.
  if (out.starts_with("/bin/sh -c #(nop) ")) out = out.substr(18);
  if (!no_trunc && out.size() > kCreatedByWidth) {
    std::size_t cut = kCreatedByWidth - 3;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
    out = out.substr(0, cut) + "...";
  }
  return out;
}

std::string digest_cell(const std::string& digest, bool no_trunc) { return no_trunc ? digest : short_digest(digest); }

Table layer_table(const InspectReport& r, bool no_trunc) {
  Table t({{"#", Align::right}, {"DIGEST"}, {"KIND"}, {"SIZE", Align::right}, {"DIFF_ID"}, {"CREATED BY"}});
  for (const auto& l : r.layers)
    t.add_row({std::to_string(l.index), digest_cell(l.digest, no_trunc), to_string(l.kind), format_bytes(l.size),
               l.diff_id ? digest_cell(*l.diff_id, no_trunc) : "-",
               l.history ? one_line(l.history->created_by, no_trunc) : "-"});
  t.add_separator();
  t.add_row({"", fmt::format("{} layers", r.layers.size()), "", format_bytes(static_cast<std::uint64_t>(r.total_size)),
             "", r.empty_layer_entries ? fmt::format("+{} history entries without a layer", r.empty_layer_entries) : ""});
  return t;
}

std::vector<std::pair<std::string, std::string>> header(const InspectReport& r) {
  const ResolvedImage& img = r.resolved;
  std::vector<std::pair<std::string, std::string>> h = {
      {"Image", r.image},
      {"Platform", img.platform.to_string()},
      {"Manifest", fmt::format("{} ({})", img.manifest_digest, img.manifest_media_type)},
  };
  if (img.index_digest) h.emplace_back("Index", *img.index_digest);
  h.emplace_back("Config", img.config_digest);
  h.emplace_back("Created", img.config.created.empty() ? "-" : img.config.created);
  return h;
}

}  // namespace

InspectReport build_inspect_report(std::string name, ResolvedImage resolved) {
  InspectReport r;
  r.image = std::move(name);
  r.resolved = std::move(resolved);
  const Manifest& m = r.resolved.manifest;
  const ImageConfig& c = r.resolved.config;
  if (c.diff_ids.size() != m.layers.size())
    log::warn("{}: the manifest has {} layers but the config lists {} diff_ids", r.image, m.layers.size(),
              c.diff_ids.size());
  auto history = history_per_layer(c, m.layers.size());
  for (std::size_t i = 0; i < m.layers.size(); ++i) {
    const Descriptor& d = m.layers[i];
    InspectedLayer l;
    l.index = i;
    l.digest = d.digest;
    l.media_type = d.media_type;
    l.kind = classify_layer(d.media_type);
    l.size = d.size;
    if (i < c.diff_ids.size()) l.diff_id = c.diff_ids[i];
    if (history[i]) l.history = *history[i];
    r.total_size += d.size;
    r.layers.push_back(std::move(l));
  }
  for (const auto& h : c.history) r.empty_layer_entries += h.empty_layer ? 1 : 0;
  return r;
}

InspectReport inspect_image(Source& source) { return build_inspect_report(source.describe(), source.resolve()); }

ordered_json inspect_to_json(const InspectReport& r) {
  const ResolvedImage& img = r.resolved;
  ordered_json layers = ordered_json::array();
  for (const auto& l : r.layers) {
    ordered_json j;
    j["index"] = l.index;
    j["digest"] = l.digest;
    j["media_type"] = l.media_type;
    j["kind"] = to_string(l.kind);
    j["size"] = l.size;
    j["diff_id"] = l.diff_id ? ordered_json(*l.diff_id) : ordered_json(nullptr);
    j["created"] = l.history ? or_null(l.history->created) : ordered_json(nullptr);
    j["created_by"] = l.history ? or_null(l.history->created_by) : ordered_json(nullptr);
    j["comment"] = l.history ? or_null(l.history->comment) : ordered_json(nullptr);
    layers.push_back(std::move(j));
  }
  ordered_json doc;
  doc["schema_version"] = kInspectSchemaVersion;
  doc["image"] = r.image;
  doc["platform"] = img.platform.to_string();
  doc["index_digest"] = img.index_digest ? ordered_json(*img.index_digest) : ordered_json(nullptr);
  doc["manifest"] = {{"digest", img.manifest_digest},
                     {"media_type", img.manifest_media_type},
                     {"size", img.manifest_json.size()}};
  doc["config"] = {{"digest", img.config_digest},
                   {"media_type", img.manifest.config.media_type},
                   {"size", img.config_json.size()}};
  doc["created"] = or_null(img.config.created);
  doc["layers"] = std::move(layers);
  doc["totals"] = {{"layers", r.layers.size()},
                   {"size", r.total_size},
                   {"history_entries", img.config.history.size()},
                   {"empty_layer_entries", r.empty_layer_entries}};
  return doc;
}

std::string render_inspect_table(const InspectReport& r, bool no_trunc) {
  std::string out;
  for (const auto& [k, v] : header(r)) out += fmt::format("{:<10}{}\n", k, v);
  out += "\n";
  return out + layer_table(r, no_trunc).render_text();
}

std::string render_inspect_markdown(const InspectReport& r, bool no_trunc) {
  std::string out;
  for (const auto& [k, v] : header(r)) out += fmt::format("- **{}**: `{}`\n", k, v);
  out += "\n";
  return out + layer_table(r, no_trunc).render_markdown();
}

}  // namespace coldstart::image
