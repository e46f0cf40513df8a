#include "coldstart/analyze/plan.hpp"

#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <map>
#include <set>

namespace coldstart::analyze {

namespace {

std::string now_rfc3339() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

double mean_changed_bytes(const std::vector<ImageVersion>& versions) {
  if (versions.size() < 2) return 0;
  double total = 0;
  for (std::size_t j = 1; j < versions.size(); ++j) {
    std::set<std::string> before;
    for (const auto& l : versions[j - 1].layers) before.insert(l.id);
    for (const auto& l : versions[j].layers)
      if (!before.count(l.id)) total += static_cast<double>(l.size);
  }
  return total / static_cast<double>(versions.size() - 1);
}

double ratio(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

nlohmann::ordered_json layer_json(const PlanLayer& pl, const std::vector<ImageVersion>& versions) {
  const LayerStability& s = pl.stability;
  nlohmann::ordered_json j;
  j["id"] = s.layer.id;
  j["digest"] = s.layer.digest;
  j["media_type"] = s.layer.media_type;
  j["size_bytes"] = s.layer.size;
  j["created_by"] = s.layer.created_by;
  j["position"] = s.position;
  j["in_newest"] = s.in_newest;
  j["class"] = std::string(to_string(s.cls));
  j["destination"] = std::string(to_string(pl.destination));
  j["reason"] = s.reason;
  j["fleet_shared"] = pl.fleet_shared;
  j["versions_present"] = s.present_in.size();
  auto tags = nlohmann::ordered_json::array();
  for (auto v : s.present_in) tags.push_back(versions[v].tag);
  j["present_in"] = tags;
  j["first_seen"] = s.first_seen;
  j["last_seen"] = s.last_seen;
  j["changes"] = s.changes;
  j["window"] = s.window;
  return j;
}

}  // namespace

std::string_view to_string(Destination destination) {
  switch (destination) {
    case Destination::cache: return "cache";
    case Destination::p2p: return "p2p";
    case Destination::none: return "none";
  }
  return "none";
}

Plan build_plan(std::vector<SeriesStability> series, const StabilityOptions& options,
                std::vector<std::optional<DeepReport>> deep, const HintOptions& hint_options) {
  Plan plan;
  plan.generated_at = now_rfc3339();
  plan.options = options;
  plan.fleet = find_shared_layers(series);
  std::vector<const DeepReport*> deep_refs;
  for (std::size_t i = 0; i < series.size(); ++i) deep_refs.push_back(i < deep.size() && deep[i] ? &*deep[i] : nullptr);
  plan.hints = find_hints(series, plan.fleet, deep_refs, hint_options);

  std::set<std::string> shared;
  for (const auto& l : plan.fleet.shared_layers) shared.insert(l.id);
  std::map<std::string, std::pair<std::uint64_t, bool>> node_layers;  // id -> (size, cached)

  for (std::size_t i = 0; i < series.size(); ++i) {
    SeriesStability& s = series[i];
    PlanImage image;
    image.repository = s.repository;
    image.changed_bytes_per_release = mean_changed_bytes(s.versions);
    for (auto& l : s.layers) {
      PlanLayer pl;
      pl.destination = !l.in_newest ? Destination::none
                       : l.cls == LayerClass::stable ? Destination::cache
                                                     : Destination::p2p;
      pl.fleet_shared = l.in_newest && shared.count(l.layer.id) > 0;
      pl.stability = std::move(l);
      image.layers.push_back(std::move(pl));
    }
    image.versions = std::move(s.versions);
    // Byte totals follow the newest version's layer list, duplicates included: that is what a pull fetches.
    std::map<std::string, Destination> where;
    for (const auto& pl : image.layers) where[pl.stability.layer.id] = pl.destination;
    for (const auto& l : image.newest().layers) {
      image.image_bytes += l.size;
      bool cached = where[l.id] == Destination::cache;
      (cached ? image.cache_bytes : image.p2p_bytes) += l.size;
      auto& node = node_layers[l.id];
      node.first = std::max(node.first, l.size);
      node.second = node.second || cached;
    }
    image.node_fetch_without_plan_bytes = image.image_bytes;
    image.node_fetch_with_plan_bytes = image.p2p_bytes;
    if (i < deep.size()) image.deep = std::move(deep[i]);
    plan.images.push_back(std::move(image));
  }
  for (const auto& [id, node] : node_layers) {
    plan.node_fetch_without_plan_bytes += node.first;
    if (!node.second) plan.node_fetch_with_plan_bytes += node.first;
  }
  return plan;
}

nlohmann::ordered_json plan_to_json(const Plan& plan, nlohmann::ordered_json (*deep_json)(const DeepReport&)) {
  using json = nlohmann::ordered_json;
  json doc;
  doc["schema_version"] = plan.schema_version;
  doc["kind"] = "coldstart-plan";
  doc["generated_at"] = plan.generated_at;
  doc["options"] = {{"stable_min_reuse", plan.options.stable_min_reuse}, {"window", plan.options.window}};
  json images = json::array();
  for (const auto& image : plan.images) {
    json ji;
    ji["repository"] = image.repository;
    const ImageVersion& newest = image.newest();
    ji["newest"] = {{"reference", newest.reference},
                    {"tag", newest.tag},
                    {"manifest_digest", newest.manifest_digest},
                    {"created", newest.created}};
    json versions = json::array();
    for (const auto& v : image.versions)
      versions.push_back({{"reference", v.reference},
                          {"tag", v.tag},
                          {"created", v.created},
                          {"manifest_digest", v.manifest_digest},
                          {"size_bytes", v.size()},
                          {"layers", v.layers.size()}});
    ji["versions"] = versions;
    json layers = json::array();
    for (const auto& pl : image.layers) layers.push_back(layer_json(pl, image.versions));
    ji["layers"] = layers;
    ji["totals"] = {{"image_bytes", image.image_bytes},
                    {"cache_bytes", image.cache_bytes},
                    {"p2p_bytes", image.p2p_bytes},
                    {"stable_ratio", ratio(image.cache_bytes, image.image_bytes)},
                    {"node_fetch_without_plan_bytes", image.node_fetch_without_plan_bytes},
                    {"node_fetch_with_plan_bytes", image.node_fetch_with_plan_bytes},
                    {"changed_bytes_per_release", image.changed_bytes_per_release}};
    if (image.deep && deep_json) ji["deep"] = deep_json(*image.deep);
    images.push_back(ji);
  }
  doc["images"] = images;

  json shared = json::array();
  for (const auto& l : plan.fleet.shared_layers)
    shared.push_back({{"id", l.id},
                      {"digests", l.digests},
                      {"size_bytes", l.size},
                      {"created_by", l.created_by},
                      {"repositories", l.repositories},
                      {"stable_everywhere", l.stable_everywhere},
                      {"bytes_saved_per_node", l.bytes_saved_per_node}});
  doc["fleet"] = {{"repositories", plan.fleet.repositories},
                  {"shared_layers", shared},
                  {"shared_bytes", plan.fleet.shared_bytes},
                  {"bytes_saved_per_node", plan.fleet.bytes_saved_per_node},
                  {"node_fetch_without_plan_bytes", plan.node_fetch_without_plan_bytes},
                  {"node_fetch_with_plan_bytes", plan.node_fetch_with_plan_bytes}};

  json hints = json::array();
  for (const auto& h : plan.hints)
    hints.push_back({{"kind", h.kind},
                     {"repository", h.repository},
                     {"layer_id", h.layer_id},
                     {"created_by", h.created_by},
                     {"bytes", h.bytes},
                     {"evidence", h.evidence},
                     {"message", h.message}});
  doc["hints"] = hints;
  return doc;
}

}  // namespace coldstart::analyze
