// The summary of a prewarm pull as a table or a document (json/yaml; docs/prewarm.md).
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "coldstart/cluster/pull.hpp"

namespace coldstart::cluster {

nlohmann::ordered_json pull_summary_to_json(const PullSummary& summary);
std::string render_pull_table(const PullSummary& summary, bool markdown);
// One line for a finished blob, for non-TTY progress: "layer 3ad0e0cb0a1f 97.5 KiB fetched in 0.02s".
std::string blob_done_line(const BlobResult& blob);

}  // namespace coldstart::cluster
