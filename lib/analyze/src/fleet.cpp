#include "coldstart/analyze/fleet.hpp"

#include <algorithm>
#include <map>

namespace coldstart::analyze {

FleetView find_shared_layers(const std::vector<SeriesStability>& series) {
  FleetView fleet;
  fleet.repositories = series.size();
  std::map<std::string, SharedLayer> by_id;
  std::vector<std::string> order;  // first-seen order, for a deterministic tie-break
  for (const auto& s : series) {
    for (const auto& l : s.layers) {
      if (!l.in_newest) continue;
      auto [it, added] = by_id.try_emplace(l.layer.id);
      SharedLayer& shared = it->second;
      if (added) {
        shared.id = l.layer.id;
        shared.created_by = l.layer.created_by;
        order.push_back(l.layer.id);
      }
      if (std::find(shared.repositories.begin(), shared.repositories.end(), s.repository) ==
          shared.repositories.end())
        shared.repositories.push_back(s.repository);
      if (std::find(shared.digests.begin(), shared.digests.end(), l.layer.digest) == shared.digests.end())
        shared.digests.push_back(l.layer.digest);
      shared.size = std::max(shared.size, l.layer.size);
      if (shared.created_by.empty()) shared.created_by = l.layer.created_by;
      if (l.cls != LayerClass::stable) shared.stable_everywhere = false;
    }
  }
  for (const auto& id : order) {
    SharedLayer& shared = by_id[id];
    if (shared.repositories.size() < 2) continue;
    shared.bytes_saved_per_node = shared.size * (shared.repositories.size() - 1);
    fleet.shared_bytes += shared.size;
    fleet.bytes_saved_per_node += shared.bytes_saved_per_node;
    fleet.shared_layers.push_back(std::move(shared));
  }
  std::stable_sort(fleet.shared_layers.begin(), fleet.shared_layers.end(),
                   [](const SharedLayer& a, const SharedLayer& b) { return a.size > b.size; });
  return fleet;
}

}  // namespace coldstart::analyze
