// The stability split: which layers of a version series stay from release to release (stable,
// worth a node cache) and which change (volatile, shipped every release, best over P2P).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "coldstart/analyze/version_series.hpp"

namespace coldstart::analyze {

enum class LayerClass { stable, volatile_layer };
std::string_view to_string(LayerClass cls);

struct StabilityOptions {
  // A layer is stable when its place in the image was reused (not changed) in at least this share
  // of the recent releases. Layers identical in every version are always stable.
  double stable_min_reuse = 0.5;
  // How many of the latest releases (version-to-version transitions) are looked at.
  std::size_t window = 10;
};

struct LayerStability {
  VersionLayer layer;                   // as in the newest version that contains it
  std::size_t position = 0;             // index in that version (bottom layer = 0)
  std::vector<std::size_t> present_in;  // indices into the series' versions, ascending
  std::size_t versions = 0;             // versions in the series
  std::string first_seen;               // tag of the first version containing it
  std::string last_seen;                // tag of the last one
  bool in_newest = false;               // part of the newest version
  std::size_t changes = 0;              // releases in the window where its place changed
  std::size_t window = 0;               // releases looked at (0 with a single version)
  LayerClass cls = LayerClass::stable;
  std::string reason;                   // "identical in 5/5 versions", "changed in 4 of the last 4 releases"
};

struct SeriesStability {
  std::string repository;
  std::vector<ImageVersion> versions;   // oldest first
  // The newest version's layers bottom-up, then layers no longer in it (most recently seen first).
  std::vector<LayerStability> layers;
  const ImageVersion& newest() const { return versions.back(); }
};

// Classifies every layer of the series. A layer's "place" is its position in the image: the place
// changed in a release when the layer there differs from the previous version's.
SeriesStability classify_layers(const VersionSeries& series, const StabilityOptions& options);

}  // namespace coldstart::analyze
