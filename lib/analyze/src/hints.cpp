#include "coldstart/analyze/hints.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>
#include <regex>

#include "coldstart/core/digest.hpp"
#include "coldstart/core/units.hpp"

namespace coldstart::analyze {

namespace {

// Build steps are long shell lines; a hint quotes the start.
std::string step_name(const std::string& created_by) {
  std::string s = short_step(created_by);
  return s.empty() ? "(no build step recorded)" : "`" + s + "`";
}

void volatile_below_stable(const SeriesStability& s, std::vector<Hint>& out) {
  const auto& newest = s.newest().layers;
  std::map<std::string, const LayerStability*> by_id;
  for (const auto& l : s.layers) by_id[l.layer.id] = &l;
  for (std::size_t p = 0; p < newest.size(); ++p) {
    const LayerStability& low = *by_id.at(newest[p].id);
    if (low.cls != LayerClass::volatile_layer) continue;
    std::size_t stable_above = 0;
    std::uint64_t bytes_above = 0;
    for (std::size_t q = p + 1; q < newest.size(); ++q) {
      const LayerStability& up = *by_id.at(newest[q].id);
      if (up.cls == LayerClass::stable) {
        ++stable_above;
        bytes_above += up.layer.size;
      }
    }
    if (stable_above == 0) continue;
    Hint h;
    h.kind = "volatile_below_stable";
    h.repository = s.repository;
    h.layer_id = low.layer.id;
    h.created_by = low.layer.created_by;
    h.bytes = bytes_above;
    h.evidence = low.reason;
    h.message = fmt::format(
        "layer {} ({}) {} and sits below {} stable layer(s) ({}): a change there invalidates every layer above "
        "it in the build cache; move the step after them",
        p, step_name(low.layer.created_by), low.reason.substr(0, low.reason.find(',')), stable_above,
        format_bytes(bytes_above));
    out.push_back(std::move(h));
  }
}

void duplicate_layers(const SeriesStability& s, std::vector<Hint>& out) {
  std::map<std::string, std::vector<std::size_t>> positions;
  const auto& newest = s.newest().layers;
  for (std::size_t p = 0; p < newest.size(); ++p) positions[newest[p].id].push_back(p);
  for (std::size_t p = 0; p < newest.size(); ++p) {
    const auto& where = positions[newest[p].id];
    if (where.size() < 2 || where.front() != p) continue;
    Hint h;
    h.kind = "duplicate_layer";
    h.repository = s.repository;
    h.layer_id = newest[p].id;
    h.created_by = newest[p].created_by;
    h.bytes = newest[p].size * (where.size() - 1);
    h.evidence = fmt::format("same diff_id at positions {}", fmt::join(where, ", "));
    h.message = fmt::format("layer {} ({}, {}) appears {} times in {} (positions {}): drop the repeated step",
                            short_digest(newest[p].id), step_name(newest[p].created_by),
                            format_bytes(newest[p].size), where.size(), s.newest().tag, fmt::join(where, ", "));
    out.push_back(std::move(h));
  }
}

void model_weights(const SeriesStability& s, const DeepReport* deep, const HintOptions& options,
                   std::vector<Hint>& out) {
  if (deep) {
    std::uint64_t bytes = 0;
    std::size_t files = 0;
    std::string first;
    for (const auto& w : deep->model_weights) {
      if (!w.in_final_filesystem) continue;
      bytes += w.size;
      if (files++ == 0) first = w.path;
    }
    if (files > 0) {
      Hint h;
      h.kind = "model_weights";
      h.repository = s.repository;
      h.bytes = bytes;
      h.evidence = fmt::format("--deep: {} weight file(s), e.g. {}", files, first);
      h.message = fmt::format(
          "{} model weight file(s) ({}) are baked into {}; serve them from a volume and warm nodes with "
          "`coldstart prewarm files`",
          files, format_bytes(bytes), s.newest().tag);
      out.push_back(std::move(h));
    }
    // The file scan read every file: it supersedes the manifest-level guess both ways (a 3 GiB
    // volatile `pip install torch` layer is not weights when no file in it shows weight evidence).
    return;
  }
  for (const auto& l : s.layers) {
    if (!l.in_newest) continue;
    std::string evidence = model_weight_evidence(l, options);
    if (evidence.empty()) continue;
    Hint h;
    h.kind = "model_weights";
    h.repository = s.repository;
    h.layer_id = l.layer.id;
    h.created_by = l.layer.created_by;
    h.bytes = l.layer.size;
    h.evidence = evidence;
    h.message = fmt::format(
        "layer {} ({}, {}) probably holds model weights ({}); serve them from a volume and warm nodes with "
        "`coldstart prewarm files`",
        l.position, step_name(l.layer.created_by), format_bytes(l.layer.size), evidence);
    out.push_back(std::move(h));
  }
}

void recompressed_layers(const FleetView& fleet, std::vector<Hint>& out) {
  for (const auto& shared : fleet.shared_layers) {
    if (shared.digests.size() < 2) continue;
    Hint h;
    h.kind = "recompressed_layer";
    h.layer_id = shared.id;
    h.created_by = shared.created_by;
    h.bytes = shared.size * (shared.digests.size() - 1);
    h.evidence = fmt::format("{} blob digests for one diff_id", shared.digests.size());
    h.message = fmt::format(
        "layer {} ({}) is the same content in {} but compressed {} different ways: nodes fetch and store it "
        "{} times; push the images with the same base blobs (e.g. skopeo copy without recompression)",
        short_digest(shared.id), step_name(shared.created_by), fmt::join(shared.repositories, ", "),
        shared.digests.size(), shared.digests.size());
    out.push_back(std::move(h));
  }
}

}  // namespace

std::string model_weight_evidence(const LayerStability& layer, const HintOptions& options) {
  static const std::regex weight_file(R"(\.(safetensors|bin|pt|ckpt|gguf|onnx)\b)", std::regex::icase);
  std::smatch m;
  if (std::regex_search(layer.layer.created_by, m, weight_file))
    return "created_by mentions " + m.str(0);
  // A step copying a models/weights/checkpoints directory into the image (COPY models/ /models/).
  static const std::regex weight_dir(R"((^|\s)(COPY|ADD)\s.*(^|[\s/])(models?|weights|checkpoints)(/|\s|$))",
                                     std::regex::icase);
  if (std::regex_search(layer.layer.created_by, m, weight_dir))
    return "created_by copies a " + m.str(4) + " directory";
  if (layer.cls == LayerClass::volatile_layer && layer.layer.size >= options.model_layer_min_bytes)
    return fmt::format("volatile layer of {} (>= {})", format_bytes(layer.layer.size),
                       format_bytes(options.model_layer_min_bytes));
  return "";
}

std::vector<Hint> find_hints(const std::vector<SeriesStability>& series, const FleetView& fleet,
                             const std::vector<const DeepReport*>& deep, const HintOptions& options) {
  std::vector<Hint> out;
  for (std::size_t i = 0; i < series.size(); ++i) {
    volatile_below_stable(series[i], out);
    duplicate_layers(series[i], out);
    model_weights(series[i], i < deep.size() ? deep[i] : nullptr, options, out);
  }
  recompressed_layers(fleet, out);
  return out;
}

}  // namespace coldstart::analyze
