// The manifest-level view of one image behind `coldstart inspect`: platform, documents and,
// per layer, digest, kind, size, diff_id and the history line that made it. Reads only the
// manifest and config (never layer bytes), so it is cheap on any transport.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "coldstart/image/media_types.hpp"
#include "coldstart/image/source.hpp"

namespace coldstart::image {

struct InspectedLayer {
  std::size_t index = 0;
  std::string digest;
  std::string media_type;
  LayerKind kind = LayerKind::unknown;
  std::int64_t size = 0;               // compressed (as stored / transferred)
  std::optional<std::string> diff_id;  // absent when the config lists fewer diff_ids than layers
  std::optional<HistoryEntry> history;  // the history entry that made this layer, if listed
};

struct InspectReport {
  std::string image;  // the source's describe()
  ResolvedImage resolved;
  std::vector<InspectedLayer> layers;
  std::int64_t total_size = 0;
  std::size_t empty_layer_entries = 0;  // history entries that made no layer (ENV, CMD...)
};

// Resolves the image (documents only) and builds the report.
InspectReport inspect_image(Source& source);
// The report for an already resolved image; `name` is how to call it.
InspectReport build_inspect_report(std::string name, ResolvedImage resolved);

// JSON with "schema_version": 1 (documented in docs/inspect.md).
nlohmann::ordered_json inspect_to_json(const InspectReport& report);
// Human table / Markdown; digests shortened to 12 hex and created_by to one line unless `no_trunc`.
std::string render_inspect_table(const InspectReport& report, bool no_trunc);
std::string render_inspect_markdown(const InspectReport& report, bool no_trunc);

}  // namespace coldstart::image
