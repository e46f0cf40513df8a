#include <doctest/doctest.h>

#include "coldstart/analyze/plan.hpp"
#include "coldstart/analyze/plan_report.hpp"
#include "series_fixture.hpp"

using namespace coldstart;
using namespace coldstart::image;
using namespace coldstart::analyze;

namespace {
Plan plan_of(std::vector<VersionSeries> series, std::vector<std::optional<DeepReport>> deep = {}) {
  std::vector<SeriesStability> classified;
  for (auto& s : series) classified.push_back(classify_layers(s, {}));
  return build_plan(std::move(classified), {}, std::move(deep), {});
}
}  // namespace

TEST_CASE("the plan caches base, cuda and python and sends app and model over p2p") {
  Plan plan = plan_of({test::aigc_series(5)});
  REQUIRE(plan.images.size() == 1);
  const PlanImage& image = plan.images[0];
  std::vector<std::string> cached, p2p;
  for (const auto& l : image.layers) {
    if (l.destination == Destination::cache) cached.push_back(l.stability.layer.created_by);
    if (l.destination == Destination::p2p) p2p.push_back(l.stability.layer.created_by);
    if (!l.stability.in_newest) CHECK(l.destination == Destination::none);
  }
  CHECK(cached == std::vector<std::string>{"ADD rootfs.tar /", "RUN apt-get install -y cuda-runtime", "RUN pip install torch"});
  CHECK(p2p == std::vector<std::string>{"COPY app /app", "COPY model.safetensors /models/"});
  CHECK(image.image_bytes == 385 * test::kMiB);
  CHECK(image.cache_bytes == 280 * test::kMiB);
  CHECK(image.p2p_bytes == 105 * test::kMiB);
  CHECK(image.node_fetch_without_plan_bytes == 385 * test::kMiB);
  CHECK(image.node_fetch_with_plan_bytes == 105 * test::kMiB);
  CHECK(image.changed_bytes_per_release == doctest::Approx(105.0 * test::kMiB));
}

TEST_CASE("plan JSON carries the schema version, classes, destinations and totals") {
  auto doc = plan_to_json(plan_of({test::aigc_series(3)}));
  CHECK(doc["schema_version"] == 1);
  CHECK(doc["images"][0]["repository"] == "oci:examples/images/aigc");
  CHECK(doc["images"][0]["newest"]["tag"] == "v3");
  CHECK(doc["images"][0]["versions"].size() == 3);
  const auto& layer0 = doc["images"][0]["layers"][0];
  CHECK(layer0["class"] == "stable");
  CHECK(layer0["destination"] == "cache");
  CHECK(layer0["reason"] == "identical in 3/3 versions");
  CHECK(layer0["present_in"] == nlohmann::ordered_json({"v1", "v2", "v3"}));
  CHECK(doc["images"][0]["layers"][4]["destination"] == "p2p");
  CHECK(doc["images"][0]["totals"]["p2p_bytes"] == 105 * test::kMiB);
  CHECK(doc["fleet"]["shared_layers"].empty());
  CHECK(doc.contains("hints"));
}

TEST_CASE("fleet: layers shared across repositories are cache candidates with bytes saved per node") {
  auto aigc = test::aigc_series(3, "oci:aigc");
  auto llm = test::aigc_series(2, "oci:llm");
  Plan plan = plan_of({aigc, llm});
  REQUIRE(plan.fleet.shared_layers.size() == 3);  // base, cuda, python; app/model differ per repo
  CHECK(plan.fleet.shared_layers[0].created_by == "RUN apt-get install -y cuda-runtime");  // largest first
  CHECK(plan.fleet.shared_layers[0].repositories == std::vector<std::string>{"oci:aigc", "oci:llm"});
  CHECK(plan.fleet.shared_bytes == 280 * test::kMiB);
  CHECK(plan.fleet.bytes_saved_per_node == 280 * test::kMiB);
  for (const auto& l : plan.images[1].layers)
    if (l.stability.in_newest) CHECK(l.fleet_shared == (l.destination == Destination::cache));
  // A node running both: shared layers once, plus each image's app and model.
  CHECK(plan.node_fetch_without_plan_bytes == (280 + 2 * 105) * test::kMiB);
  CHECK(plan.node_fetch_with_plan_bytes == 2 * 105 * test::kMiB);
}

TEST_CASE("the text and markdown reports show the split and the savings") {
  Plan plan = plan_of({test::aigc_series(5)});
  std::string text = render_plan_text(plan);
  CHECK(text.find("5 version(s): v1 v2 v3 v4 v5 (newest v5)") != std::string::npos);
  CHECK(text.find("identical in 5/5 versions") != std::string::npos);
  CHECK(text.find("changed in 4 of the last 4 releases") != std::string::npos);
  CHECK(text.find("385.0 MiB without the plan, 105.0 MiB with it (-72.7%)") != std::string::npos);
  CHECK(text.find("8 older layer(s) no longer in v5") != std::string::npos);
  std::string md = render_plan_markdown(plan);
  CHECK(md.find("### oci:examples/images/aigc") == 0);
  CHECK(md.find("| --- |") != std::string::npos);
  CHECK(md.find("### Hints") != std::string::npos);
}
