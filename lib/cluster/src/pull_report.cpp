#include "coldstart/cluster/pull_report.hpp"

#include <fmt/format.h>

#include "coldstart/core/digest.hpp"
#include "coldstart/core/output.hpp"
#include "coldstart/core/units.hpp"

namespace coldstart::cluster {

nlohmann::ordered_json pull_summary_to_json(const PullSummary& s) {
  nlohmann::ordered_json j;
  j["schema_version"] = 1;
  j["kind"] = "coldstart-prewarm-pull";
  j["image"] = s.image;
  j["cache"] = s.cache;
  j["manifest_digest"] = s.manifest_digest;
  j["tag"] = s.tag;
  j["ref"] = s.ref;
  j["layers"] = s.layers;
  j["plan_image"] = s.plan_image;
  j["jobs"] = s.jobs;
  j["chunk_size_bytes"] = s.chunk_size;
  j["ranges"] = s.ranges;
  j["bytes_total"] = s.bytes_total;
  j["bytes_fetched"] = s.bytes_fetched;
  j["seconds"] = s.seconds;
  j["bytes_per_second"] = s.seconds > 0 ? static_cast<double>(s.bytes_fetched) / s.seconds : 0.0;
  std::size_t counts[3] = {0, 0, 0};
  auto blobs = nlohmann::ordered_json::array();
  for (const auto& b : s.blobs) {
    ++counts[static_cast<int>(b.origin)];
    nlohmann::ordered_json e;
    e["digest"] = b.digest;
    e["role"] = b.role;
    e["media_type"] = b.media_type;
    e["class"] = b.layer_class;
    e["size_bytes"] = b.size;
    e["source"] = to_string(b.origin);
    e["bytes_fetched"] = b.bytes_fetched;
    e["bytes_resumed"] = b.bytes_resumed;
    e["seconds"] = b.seconds;
    blobs.push_back(e);
  }
  j["counts"] = {{"fetched", counts[0]}, {"cached", counts[1]}, {"resumed", counts[2]}, {"skipped", s.skipped.size()}};
  j["blobs"] = blobs;
  auto skipped = nlohmann::ordered_json::array();
  for (const auto& k : s.skipped)
    skipped.push_back({{"digest", k.digest}, {"size_bytes", k.size}, {"class", k.layer_class}, {"reason", k.reason}});
  j["skipped"] = skipped;
  return j;
}

std::string render_pull_table(const PullSummary& s, bool markdown) {
  Table t({{"DIGEST"}, {"ROLE"}, {"CLASS"}, {"SIZE", Align::right}, {"SOURCE"}, {"FETCHED", Align::right},
           {"SECONDS", Align::right}});
  for (const auto& b : s.blobs)
    t.add_row({short_digest(b.digest), b.role, b.layer_class.empty() ? "-" : b.layer_class,
               format_bytes(static_cast<std::uint64_t>(b.size)), to_string(b.origin), format_bytes(b.bytes_fetched),
               fmt::format("{:.2f}", b.seconds)});
  for (const auto& k : s.skipped)
    t.add_row({short_digest(k.digest), "layer", k.layer_class.empty() ? "-" : k.layer_class,
               format_bytes(static_cast<std::uint64_t>(k.size)), "skipped: " + k.reason, "-", "-"});
  double rate = s.seconds > 0 ? static_cast<double>(s.bytes_fetched) / s.seconds : 0;
  std::string head = fmt::format("{} -> {} (tag {}): fetched {} in {} ({}/s), {} blob(s), {} skipped{}\n",
                                 s.image, s.cache, s.tag.empty() ? "-" : s.tag, format_bytes(s.bytes_fetched),
                                 format_duration(s.seconds), format_bytes(static_cast<std::uint64_t>(rate)),
                                 s.blobs.size(), s.skipped.size(), s.ranges ? ", Range chunks" : "");
  return markdown ? head + "\n" + t.render_markdown() : head + "\n" + t.render_text();
}

std::string blob_done_line(const BlobResult& b) {
  std::string how = to_string(b.origin);
  if (b.origin == BlobOrigin::cached) return fmt::format("{} {} {} cached", b.role, short_digest(b.digest),
                                                         format_bytes(static_cast<std::uint64_t>(b.size)));
  return fmt::format("{} {} {} {} in {:.2f}s", b.role, short_digest(b.digest),
                     format_bytes(static_cast<std::uint64_t>(b.size)), how, b.seconds);
}

}  // namespace coldstart::cluster
