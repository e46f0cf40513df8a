#include "coldstart/analyze/plan_report.hpp"

#include <fmt/format.h>

#include "coldstart/core/digest.hpp"
#include "coldstart/core/output.hpp"
#include "coldstart/core/units.hpp"

namespace coldstart::analyze {

namespace {

std::string step(const std::string& created_by, std::size_t width) { return short_step(created_by, width); }

std::string percent(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? "-" : format_percent(static_cast<double>(part) / static_cast<double>(whole));
}

std::string versions_line(const PlanImage& image) {
  std::string tags;
  constexpr std::size_t kShown = 8;
  for (std::size_t i = 0; i < image.versions.size(); ++i) {
    if (image.versions.size() > kShown && i == kShown / 2) {
      tags += fmt::format(" ... ({} more)", image.versions.size() - kShown);
      i = image.versions.size() - kShown / 2;
    }
    tags += (tags.empty() ? "" : " ") + image.versions[i].tag;
  }
  return fmt::format("{} — {} version(s): {} (newest {})", image.repository, image.versions.size(), tags,
                     image.newest().tag);
}

Table layer_table(const PlanImage& image) {
  Table t({{"#", Align::right},
           {"LAYER"},
           {"SIZE", Align::right},
           {"IMAGE%", Align::right},
           {"IN", Align::right},
           {"CLASS"},
           {"DEST"},
           {"WHY"},
           {"STEP"}});
  std::size_t retired = 0;
  std::uint64_t retired_bytes = 0;
  for (const auto& pl : image.layers) {
    const LayerStability& s = pl.stability;
    if (!s.in_newest) {
      ++retired;
      retired_bytes += s.layer.size;
      continue;
    }
    t.add_row({std::to_string(s.position), short_digest(s.layer.id), format_bytes(s.layer.size),
               percent(s.layer.size, image.image_bytes), fmt::format("{}/{}", s.present_in.size(), s.versions),
               std::string(to_string(s.cls)), std::string(to_string(pl.destination)) + (pl.fleet_shared ? "*" : ""),
               s.reason, step(s.layer.created_by, 48)});
  }
  t.add_separator();
  t.add_row({"", "cache", format_bytes(image.cache_bytes), percent(image.cache_bytes, image.image_bytes), "", "stable",
             "", "in the node cache before pods start", ""});
  t.add_row({"", "p2p", format_bytes(image.p2p_bytes), percent(image.p2p_bytes, image.image_bytes), "", "volatile", "",
             "distributed peer-to-peer each release", ""});
  t.add_row({"", "TOTAL", format_bytes(image.image_bytes), image.image_bytes ? "100.0%" : "-", "", "", "",
             fmt::format("newest version {}", image.newest().tag), ""});
  if (retired > 0)
    t.add_row({"", "retired", format_bytes(retired_bytes), "", "", "", "none",
               fmt::format("{} older layer(s) no longer in {}", retired, image.newest().tag), ""});
  return t;
}

std::string savings_line(const PlanImage& image) {
  std::string saved = image.node_fetch_without_plan_bytes == 0
                          ? ""
                          : fmt::format(" (-{})", percent(image.node_fetch_without_plan_bytes - image.node_fetch_with_plan_bytes,
                                                          image.node_fetch_without_plan_bytes));
  std::string s = fmt::format("per release a cold node fetches {} without the plan, {} with it{}",
                              format_bytes(image.node_fetch_without_plan_bytes),
                              format_bytes(image.node_fetch_with_plan_bytes), saved);
  if (image.versions.size() > 1)
    s += fmt::format("; {} of new layers per release on average",
                     format_bytes(static_cast<std::uint64_t>(image.changed_bytes_per_release)));
  return s;
}

Table fleet_table(const FleetView& fleet) {
  Table t({{"LAYER"}, {"SIZE", Align::right}, {"SHARED BY", Align::right}, {"SAVED/NODE", Align::right}, {"CLASS"},
           {"STEP"}});
  for (const auto& l : fleet.shared_layers)
    t.add_row({short_digest(l.id), format_bytes(l.size), std::to_string(l.repositories.size()),
               format_bytes(l.bytes_saved_per_node), l.stable_everywhere ? "stable" : "mixed", step(l.created_by, 48)});
  t.add_separator();
  t.add_row({"TOTAL", format_bytes(fleet.shared_bytes), "", format_bytes(fleet.bytes_saved_per_node), "", ""});
  return t;
}

std::string render(const Plan& plan, bool markdown) {
  std::string out;
  for (const auto& image : plan.images) {
    if (!out.empty()) out += "\n";
    out += markdown ? "### " + versions_line(image) + "\n\n" : versions_line(image) + "\n";
    Table t = layer_table(image);
    out += markdown ? t.render_markdown() : t.render_text();
    out += (markdown ? "\n" : "") + savings_line(image) + "\n";
  }
  if (plan.images.size() > 1) {
    out += markdown ? "\n### Fleet\n\n" : "\nfleet — ";
    if (plan.fleet.shared_layers.empty()) {
      out += fmt::format("no layer is shared by two of the {} repositories\n", plan.fleet.repositories);
    } else {
      out += fmt::format("{} layer(s) shared across repositories: fleet-wide cache candidates\n",
                         plan.fleet.shared_layers.size());
      if (markdown) out += "\n";
      Table t = fleet_table(plan.fleet);
      out += markdown ? t.render_markdown() : t.render_text();
    }
    out += fmt::format("{}a node running all {} images fetches {} without the plan, {} with it\n",
                       markdown ? "\n" : "", plan.images.size(), format_bytes(plan.node_fetch_without_plan_bytes),
                       format_bytes(plan.node_fetch_with_plan_bytes));
  }
  if (!plan.hints.empty()) {
    out += markdown ? "\n### Hints\n\n" : "\nhints:\n";
    for (const auto& h : plan.hints)
      out += fmt::format("- [{}] {}{}\n", h.kind, h.repository.empty() ? "" : h.repository + ": ", h.message);
  }
  return out;
}

}  // namespace

std::string render_plan_text(const Plan& plan) { return render(plan, false); }
std::string render_plan_markdown(const Plan& plan) { return render(plan, true); }

}  // namespace coldstart::analyze
