#include <doctest/doctest.h>

#include "coldstart/analyze/hints.hpp"
#include "series_fixture.hpp"

using namespace coldstart;
using namespace coldstart::image;
using namespace coldstart::analyze;

namespace {
std::vector<Hint> hints_of(const VersionSeries& series, const DeepReport* deep = nullptr, HintOptions options = {}) {
  std::vector<SeriesStability> s{classify_layers(series, {})};
  return find_hints(s, find_shared_layers(s), {deep}, options);
}
std::vector<Hint> of_kind(const std::vector<Hint>& hints, const std::string& kind) {
  std::vector<Hint> out;
  for (const auto& h : hints)
    if (h.kind == kind) out.push_back(h);
  return out;
}
}  // namespace

TEST_CASE("a volatile layer below stable ones is named with its step") {
  auto series = test::aigc_series(4);
  for (auto& v : series.versions) std::swap(v.layers[1], v.layers[3]);  // app copied before cuda
  auto found = of_kind(hints_of(series), "volatile_below_stable");
  REQUIRE(found.size() == 1);
  CHECK(found[0].created_by == "COPY app /app");
  CHECK(found[0].bytes == 250 * test::kMiB);  // python + cuda above it
  CHECK(found[0].message.find("`COPY app /app`") != std::string::npos);
  CHECK(found[0].message.find("changed in 3 of the last 3 releases") != std::string::npos);
  // The well-ordered fixture has no such hint.
  CHECK(of_kind(hints_of(test::aigc_series(4)), "volatile_below_stable").empty());
}

TEST_CASE("duplicate layers are reported once with their positions") {
  auto series = test::aigc_series(2);
  series.versions[1].layers.push_back(series.versions[1].layers[2]);
  auto found = of_kind(hints_of(series), "duplicate_layer");
  REQUIRE(found.size() == 1);
  CHECK(found[0].evidence == "same diff_id at positions 2, 5");
  CHECK(found[0].bytes == 50 * test::kMiB);
}

TEST_CASE("model weights: build step, huge volatile layer, or the deep file list") {
  auto found = of_kind(hints_of(test::aigc_series(3)), "model_weights");
  REQUIRE(found.size() == 1);
  CHECK(found[0].evidence == "created_by mentions .safetensors");
  CHECK(found[0].message.find("prewarm files") != std::string::npos);

  auto series = test::aigc_series(3);
  for (auto& v : series.versions) {
    v.layers[4].created_by = "RUN fetch-assets";
    v.layers[4].size = 3ull << 30;
  }
  found = of_kind(hints_of(series), "model_weights");
  REQUIRE(found.size() == 1);
  CHECK(found[0].evidence == "volatile layer of 3.0 GiB (>= 1.0 GiB)");
  // Not a weight file: paths like /usr/bin or .pth must not match.
  for (auto& v : series.versions) v.layers[4] = test::fake_layer("x", 10, "RUN cp /usr/bin/x /opt/a.pth");
  CHECK(of_kind(hints_of(series), "model_weights").empty());

  DeepReport deep;
  ModelWeightFile w;
  w.path = "/models/unet.safetensors";
  w.size = 1234;
  w.format = "safetensors";
  deep.model_weights.push_back(w);
  found = of_kind(hints_of(series, &deep), "model_weights");
  REQUIRE(found.size() == 1);
  CHECK(found[0].evidence == "--deep: 1 weight file(s), e.g. /models/unet.safetensors");
  CHECK(found[0].bytes == 1234);
}

TEST_CASE("with --deep, a scan that finds no weight file overrules the manifest-level guesses") {
  auto series = test::aigc_series(3);
  for (auto& v : series.versions) {
    v.layers[4].created_by = "RUN pip install torch==2.1.0";
    v.layers[4].size = 3ull << 30;  // volatile and huge: the manifest-level guess says weights
  }
  REQUIRE(of_kind(hints_of(series), "model_weights").size() == 1);
  DeepReport deep;  // every file read, none with weight evidence
  CHECK(of_kind(hints_of(series, &deep), "model_weights").empty());
  ModelWeightFile gone;  // a weight file a later layer deleted is no weight in the image either
  gone.path = "/tmp/model.bin";
  gone.in_final_filesystem = false;
  deep.model_weights.push_back(gone);
  CHECK(of_kind(hints_of(series, &deep), "model_weights").empty());
}

TEST_CASE("the same content compressed differently across repositories is flagged") {
  auto a = test::aigc_series(2, "oci:a");
  auto b = test::aigc_series(2, "oci:b");
  for (auto& v : b.versions) v.layers[1].digest = sha256_digest("cuda recompressed");
  std::vector<SeriesStability> s{classify_layers(a, {}), classify_layers(b, {})};
  auto fleet = find_shared_layers(s);
  auto found = of_kind(find_hints(s, fleet, {}, {}), "recompressed_layer");
  REQUIRE(found.size() == 1);
  CHECK(found[0].created_by == "RUN apt-get install -y cuda-runtime");
}

TEST_CASE("a step copying a models directory counts as model weights evidence") {
  auto series = test::aigc_series(2);
  for (auto& v : series.versions) v.layers[4].created_by = "COPY models/ /models/ # buildkit";
  auto found = of_kind(hints_of(series), "model_weights");
  REQUIRE(found.size() == 1);
  CHECK(found[0].evidence == "created_by copies a models directory");
  for (auto& v : series.versions) v.layers[4].created_by = "COPY model_server.py /app/";
  CHECK(of_kind(hints_of(series), "model_weights").empty());
}
