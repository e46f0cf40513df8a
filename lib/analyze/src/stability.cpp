#include "coldstart/analyze/stability.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "coldstart/core/error.hpp"

namespace coldstart::analyze {

namespace {

const std::string* layer_id_at(const ImageVersion& v, std::size_t position) {
  return position < v.layers.size() ? &v.layers[position].id : nullptr;
}

// Releases among the last `window` transitions where the layer at `position` changed.
std::size_t place_changes(const std::vector<ImageVersion>& versions, std::size_t position, std::size_t window) {
  std::size_t changes = 0;
  for (std::size_t j = versions.size() - window; j < versions.size(); ++j) {
    const std::string* before = layer_id_at(versions[j - 1], position);
    const std::string* after = layer_id_at(versions[j], position);
    if (!before || !after || *before != *after) ++changes;
  }
  return changes;
}

}  // namespace

std::string_view to_string(LayerClass cls) { return cls == LayerClass::stable ? "stable" : "volatile"; }

SeriesStability classify_layers(const VersionSeries& series, const StabilityOptions& options) {
  if (series.versions.empty()) throw Error("no versions to analyse for " + series.repository);
  if (options.stable_min_reuse < 0 || options.stable_min_reuse > 1)
    throw UsageError(fmt::format("--stable-min-reuse {} is out of range", options.stable_min_reuse),
                     "use a ratio between 0 and 1, e.g. 0.5");
  if (options.window == 0) throw UsageError("--window 0 looks at no release", "use 1 or more, e.g. 10");

  SeriesStability result;
  result.repository = series.repository;
  result.versions = series.versions;
  const auto& versions = result.versions;
  const std::size_t n = versions.size();
  const std::size_t window = std::min(options.window, n - 1);

  // Every distinct layer with the versions holding it; the record keeps the newest sighting.
  std::map<std::string, std::size_t> index;
  std::vector<LayerStability> all;
  for (std::size_t v = 0; v < n; ++v) {
    for (std::size_t p = 0; p < versions[v].layers.size(); ++p) {
      const VersionLayer& layer = versions[v].layers[p];
      auto [it, added] = index.emplace(layer.id, all.size());
      if (added) {
        all.emplace_back();
        all.back().first_seen = versions[v].tag;
      }
      LayerStability& s = all[it->second];
      if (!s.present_in.empty() && s.present_in.back() == v) continue;  // a duplicate within one version
      s.present_in.push_back(v);
      s.layer = layer;
      s.position = p;
      s.last_seen = versions[v].tag;
    }
  }

  for (auto& s : all) {
    s.versions = n;
    s.window = window;
    s.in_newest = s.present_in.back() == n - 1;
    std::size_t k = s.present_in.size();
    if (k == n) {
      s.cls = LayerClass::stable;
      s.reason = n == 1 ? "only one version analysed: add older versions to measure change"
                        : fmt::format("identical in {}/{} versions", k, n);
    } else {
      s.changes = place_changes(versions, s.position, window);
      double reused = static_cast<double>(window - s.changes) / static_cast<double>(window);
      s.cls = reused + 1e-9 >= options.stable_min_reuse ? LayerClass::stable : LayerClass::volatile_layer;
      s.reason = s.changes == 0 ? fmt::format("unchanged in the last {} releases", window)
                                : fmt::format("changed in {} of the last {} releases", s.changes, window);
      s.reason += fmt::format(", in {}/{} versions", k, n);
    }
    if (!s.in_newest) {
      const std::string& gone = versions[s.present_in.back() + 1].tag;
      s.reason += fmt::format("; gone since {}", gone);
    }
  }

  // Newest version's layers in order, then the retired ones, most recently seen first.
  for (const auto& layer : versions.back().layers) {
    auto& s = all[index.at(layer.id)];
    if (s.present_in.empty()) continue;  // already placed (duplicate layer)
    result.layers.push_back(std::move(s));
    s.present_in.clear();
  }
  std::vector<LayerStability> retired;
  for (auto& s : all)
    if (!s.present_in.empty()) retired.push_back(std::move(s));
  std::stable_sort(retired.begin(), retired.end(), [](const LayerStability& a, const LayerStability& b) {
    return a.present_in.back() > b.present_in.back();
  });
  for (auto& s : retired) result.layers.push_back(std::move(s));
  return result;
}

}  // namespace coldstart::analyze
