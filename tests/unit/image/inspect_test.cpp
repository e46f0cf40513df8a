#include <doctest/doctest.h>

#include "coldstart/core/digest.hpp"
#include "coldstart/image/inspect.hpp"
#include "coldstart/image/source.hpp"
#include "local_image_fixture.hpp"

using namespace coldstart;
using namespace coldstart::image;

namespace {

struct Inspected {
  fixture::TempDir tmp;
  fixture::TinyImage img = fixture::add_image(tmp.path, {"layer-zero", "layer-one", std::string(3000, 'x')});
  InspectReport report;
  Inspected() {
    fixture::write_index(tmp.path, {fixture::tagged(img.manifest, "v1")});
    auto src = open_source("oci:" + tmp.path.string() + ":v1", SourceOptions{});
    report = inspect_image(*src);
  }
};

}  // namespace

TEST_CASE("inspect JSON: documents, layers with their history, totals") {
  Inspected t;
  auto j = inspect_to_json(t.report);
  CHECK(j["schema_version"] == 1);
  CHECK(j["image"] == "oci:" + t.tmp.path.string() + ":v1");
  CHECK(j["platform"] == "linux/amd64");
  CHECK(j["index_digest"].is_null());
  CHECK(j["manifest"]["digest"] == t.img.manifest.digest);
  CHECK(j["manifest"]["size"] == t.img.manifest.size);
  CHECK(j["manifest"]["media_type"] == media_type::oci_manifest);
  CHECK(j["config"]["digest"] == t.img.config.digest);
  CHECK(j["config"]["size"] == t.img.config.size);
  CHECK(j["created"] == "2024-01-02T03:04:05Z");
  REQUIRE(j["layers"].size() == 3);
  for (int i = 0; i < 3; ++i) {
    CAPTURE(i);
    const auto& l = j["layers"][i];
    CHECK(l["index"] == i);
    CHECK(l["digest"] == t.img.layers[i].digest);
    CHECK(l["diff_id"] == t.img.layers[i].digest);  // stored uncompressed in the fixture
    CHECK(l["kind"] == "tar");
    CHECK(l["size"] == t.img.layers[i].size);
    // The ENV entry after layer 0 made no layer: layer 1 is "layer 1", not "ENV".
    CHECK(l["created_by"] == "RUN make layer " + std::to_string(i));
    CHECK(l["comment"].is_null());
  }
  CHECK(j["totals"]["layers"] == 3);
  CHECK(j["totals"]["size"] == 10 + 9 + 3000);
  CHECK(j["totals"]["history_entries"] == 4);
  CHECK(j["totals"]["empty_layer_entries"] == 1);
  // Key order is part of the documented schema.
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  CHECK(keys == std::vector<std::string>{"schema_version", "image", "platform", "index_digest", "manifest", "config",
                                         "created", "layers", "totals"});
}

TEST_CASE("inspect report: short history and missing diff_ids become nulls, not shifted rows") {
  Inspected t;
  ResolvedImage r = t.report.resolved;
  r.config.history.resize(2);  // layer 0, ENV: only layer 0 has a history line
  r.config.diff_ids.resize(2);
  auto report = build_inspect_report("x", r);
  auto j = inspect_to_json(report);
  CHECK(j["layers"][0]["created_by"] == "RUN make layer 0");
  CHECK(j["layers"][1]["created_by"].is_null());
  CHECK(j["layers"][2]["created_by"].is_null());
  CHECK(j["layers"][1]["diff_id"] == t.img.layers[1].digest);
  CHECK(j["layers"][2]["diff_id"].is_null());
}

TEST_CASE("inspect table and markdown: short digests unless --no-trunc") {
  Inspected t;
  std::string table = render_inspect_table(t.report, false);
  CHECK(table.find("Platform  linux/amd64\n") != std::string::npos);
  CHECK(table.find("Manifest  " + t.img.manifest.digest) != std::string::npos);
  CHECK(table.find(short_digest(t.img.layers[2].digest)) != std::string::npos);
  CHECK(table.find(t.img.layers[2].digest) == std::string::npos);
  CHECK(table.find("RUN make layer 1") != std::string::npos);
  CHECK(table.find("3 layers") != std::string::npos);
  CHECK(table.find("2.9 KiB") != std::string::npos);
  CHECK(table.find("+1 history entries without a layer") != std::string::npos);
  CHECK(render_inspect_table(t.report, true).find(t.img.layers[2].digest) != std::string::npos);

  std::string md = render_inspect_markdown(t.report, false);
  CHECK(md.find("| # | DIGEST | KIND | SIZE | DIFF_ID | CREATED BY |") != std::string::npos);
  CHECK(md.find("- **Platform**: `linux/amd64`") != std::string::npos);
}

TEST_CASE("long multi-line history lines become one truncated table cell") {
  Inspected t;
  t.report.layers[0].history->created_by = "/bin/sh -c #(nop) RUN apt-get update &&\n\tapt-get install -y " + std::string(100, 'p');
  std::string table = render_inspect_table(t.report, false);
  CHECK(table.find("RUN apt-get update && apt-get install -y ppp") != std::string::npos);
  CHECK(table.find("ppp...") != std::string::npos);
  CHECK(table.find("#(nop)") == std::string::npos);
  CHECK(render_inspect_table(t.report, true).find(std::string(100, 'p')) != std::string::npos);
}
