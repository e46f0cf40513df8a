#include "coldstart/cluster/layer_selection.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "coldstart/core/error.hpp"

namespace coldstart::cluster {

LayerFilter parse_layer_filter(const std::string& text) {
  if (text == "all") return LayerFilter::all;
  if (text == "stable") return LayerFilter::stable;
  if (text == "volatile") return LayerFilter::volatile_;
  throw UsageError(fmt::format("--layers must be stable, volatile or all (got '{}')", text));
}

std::string to_string(LayerFilter filter) {
  switch (filter) {
    case LayerFilter::stable: return "stable";
    case LayerFilter::volatile_: return "volatile";
    default: return "all";
  }
}

const std::string* PlanClasses::find(const std::string& digest) const {
  for (const auto& [d, c] : by_digest)
    if (d == digest) return &c;
  return nullptr;
}

PlanClasses read_plan_classes(const std::string& plan_json, const std::string& plan_name,
                              const std::string& manifest_digest, const std::string& repository) {
  auto doc = nlohmann::json::parse(plan_json, nullptr, false);
  if (!doc.is_object() || doc.value("kind", "") != "coldstart-plan" || !doc.contains("images") ||
      !doc["images"].is_array())
    throw Error(fmt::format("{} is not a coldstart plan", plan_name),
                "write one with coldstart analyze IMAGE... --plan-out plan.json");
  if (doc.value("schema_version", 0) != 1)
    throw Error(fmt::format("{} has schema_version {}, this coldstart reads 1", plan_name, doc.value("schema_version", 0)));
  const nlohmann::json* chosen = nullptr;
  for (const auto& img : doc["images"]) {
    if (!img.is_object() || !img.contains("versions")) continue;
    for (const auto& v : img["versions"])
      if (v.is_object() && v.value("manifest_digest", "") == manifest_digest) chosen = &img;
    if (chosen) break;
  }
  if (!chosen)
    for (const auto& img : doc["images"])
      if (img.is_object() && !repository.empty() && img.value("repository", "") == repository) chosen = &img;
  PlanClasses out;
  auto take = [&](const nlohmann::json& img) {
    if (!img.contains("layers") || !img["layers"].is_array()) return;
    for (const auto& l : img["layers"])
      if (l.is_object() && l.contains("digest") && l["digest"].is_string() && l.contains("class") &&
          l["class"].is_string() && !out.find(l["digest"].get<std::string>()))
        out.by_digest.emplace_back(l["digest"].get<std::string>(), l["class"].get<std::string>());
  };
  if (chosen) {
    out.matched = chosen->value("repository", "");
    take(*chosen);
  } else {
    for (const auto& img : doc["images"]) take(img);
  }
  return out;
}

std::vector<LayerChoice> select_layers(const std::vector<image::Descriptor>& layers, const PlanClasses* plan,
                                       LayerFilter filter) {
  std::vector<LayerChoice> out;
  for (const auto& layer : layers) {
    LayerChoice c;
    c.layer = layer;
    if (plan) {
      const std::string* cls = plan->find(layer.digest);
      c.layer_class = cls ? *cls : "volatile";
    }
    if (filter != LayerFilter::all) {
      std::string want = to_string(filter);
      c.selected = c.layer_class == want;
      if (!c.selected)
        c.reason = plan && !plan->find(layer.digest) ? fmt::format("not in the plan (new: volatile), --layers {}", want)
                                                     : fmt::format("class {}, --layers {}", c.layer_class, want);
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace coldstart::cluster
