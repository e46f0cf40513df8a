#include "coldstart/cluster/scaleout_input.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "coldstart/core/error.hpp"

namespace coldstart::cluster {
namespace {

const nlohmann::json& member(const nlohmann::json& object, const char* key, std::string_view file, std::string_view where) {
  if (!object.is_object() || !object.contains(key))
    throw Error(fmt::format("plan {}: {} has no '{}'", file, where, key),
                "write the plan with coldstart analyze IMAGE... -o json (docs/plan-schema.md)");
  return object.at(key);
}

double byte_count(const nlohmann::json& object, const char* key, std::string_view file, std::string_view where) {
  const auto& v = member(object, key, file, where);
  if (!v.is_number() || v.get<double>() < 0)
    throw Error(fmt::format("plan {}: {}.{} is not a byte count", file, where, key), "sizes in a plan are non-negative integers");
  return v.get<double>();
}

}  // namespace

ScaleoutImage scaleout_image_from_plan(const nlohmann::json& plan, std::string_view file, std::string_view repository) {
  if (!plan.is_object() || plan.value("kind", "") != "coldstart-plan")
    throw Error(fmt::format("plan {}: not a coldstart plan (no \"kind\": \"coldstart-plan\")", file),
                "write one with coldstart analyze IMAGE... -o json");
  if (plan.value("schema_version", 0) != 1)
    throw Error(fmt::format("plan {}: schema_version {} is not supported", file, plan.value("schema_version", 0)),
                "this coldstart reads schema_version 1; re-run analyze");
  const auto& images = member(plan, "images", file, "the plan");
  if (!images.is_array() || images.empty())
    throw Error(fmt::format("plan {}: no images", file), "analyze at least one image");
  const nlohmann::json* chosen = nullptr;
  std::string names;
  for (const auto& img : images) {
    const std::string repo = img.is_object() ? img.value("repository", "") : "";
    names += (names.empty() ? "" : ", ") + repo;
    if (repo == repository) chosen = &img;
  }
  if (repository.empty()) {
    if (images.size() > 1)
      throw UsageError(fmt::format("plan {} has {} images", file, images.size()), "pick one with --image (" + names + ")");
    chosen = &images[0];
  }
  if (chosen == nullptr)
    throw Error(fmt::format("plan {}: no image '{}'", file, repository), "the plan has: " + names);

  ScaleoutImage image;
  image.name = chosen->value("repository", "");
  const auto& totals = member(*chosen, "totals", file, "the image");
  image.image_bytes = byte_count(totals, "image_bytes", file, "totals");
  image.stable_bytes = byte_count(totals, "cache_bytes", file, "totals");
  if (image.stable_bytes > image.image_bytes)
    throw Error(fmt::format("plan {}: totals.cache_bytes exceeds totals.image_bytes", file), "re-run analyze");
  const auto& layers = member(*chosen, "layers", file, "the image");
  if (!layers.is_array()) throw Error(fmt::format("plan {}: layers is not an array", file), "re-run analyze");
  for (const auto& layer : layers) {
    if (!layer.is_object() || !layer.value("in_newest", false)) continue;
    const double size = byte_count(layer, "size_bytes", file, "a layer");
    image.largest_layer_bytes = std::max(image.largest_layer_bytes, size);
    if (layer.value("destination", "") == "p2p") image.largest_volatile_layer_bytes = std::max(image.largest_volatile_layer_bytes, size);
  }
  return image;
}

ScaleoutImage scaleout_image_from_size(double image_bytes, double stable_fraction) {
  if (!(stable_fraction >= 0 && stable_fraction <= 1))
    throw UsageError(fmt::format("--stable-fraction must be within 0..1, got {:g}", stable_fraction), "e.g. --stable-fraction 0.8");
  ScaleoutImage image;
  image.name = fmt::format("{:g} GB image, {:g}% stable", image_bytes / 1e9, stable_fraction * 100);
  image.image_bytes = image_bytes;
  image.stable_bytes = image_bytes * stable_fraction;
  return image;
}

double unpack_rate_from_bench_pull(const nlohmann::json& bench, std::string_view file) {
  const std::string hint = "pass the JSON of coldstart bench pull IMAGE -o json, run without --no-unpack";
  if (!bench.is_object() || !bench.contains("runs") || !bench["runs"].is_array())
    throw Error(fmt::format("bench pull JSON {}: no 'runs'", file), hint);
  for (const auto& run : bench["runs"]) {
    if (!run.is_object() || !run.contains("phases") || !run["phases"].is_object()) continue;
    const auto& phases = run["phases"];
    if (!phases.contains("unpack") || !phases["unpack"].is_object()) continue;
    const double seconds = phases["unpack"].value("p50", 0.0);
    const double compressed = run.value("compressed_bytes", 0.0);
    if (seconds > 0 && compressed > 0) return compressed / seconds;
  }
  throw Error(fmt::format("bench pull JSON {}: no run with an unpack phase", file), hint);
}

std::vector<std::uint64_t> parse_node_counts(std::string_view text) {
  std::vector<std::uint64_t> counts;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string item(text.substr(start, comma - start));
    std::size_t pos = 0;
    unsigned long long value = 0;
    try {
      value = std::stoull(item, &pos);
    } catch (...) {
      pos = 0;
    }
    if (pos == 0 || pos != item.size() || value < 1 || value > 1000000 || item.front() == '-')
      throw UsageError(fmt::format("--nodes '{}': '{}' is not a node count of 1..1000000", text, item), "e.g. --nodes 1,10,100,1000");
    counts.push_back(value);
    start = comma + 1;
  }
  std::sort(counts.begin(), counts.end());
  counts.erase(std::unique(counts.begin(), counts.end()), counts.end());
  return counts;
}

}  // namespace coldstart::cluster
