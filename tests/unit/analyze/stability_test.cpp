#include <doctest/doctest.h>

#include "coldstart/core/error.hpp"
#include "coldstart/analyze/stability.hpp"
#include "series_fixture.hpp"

using namespace coldstart;
using namespace coldstart::image;
using namespace coldstart::analyze;

namespace {
const LayerStability& by_step(const SeriesStability& s, const std::string& step, bool newest = true) {
  for (const auto& l : s.layers)
    if (l.layer.created_by == step && l.in_newest == newest) return l;
  FAIL("no layer " << step);
  throw 0;
}
}  // namespace

TEST_CASE("base, cuda and python are stable; app and model are volatile") {
  auto s = classify_layers(test::aigc_series(5), {});
  for (const char* step : {"ADD rootfs.tar /", "RUN apt-get install -y cuda-runtime", "RUN pip install torch"}) {
    CHECK(by_step(s, step).cls == LayerClass::stable);
    CHECK(by_step(s, step).reason == "identical in 5/5 versions");
  }
  for (const char* step : {"COPY app /app", "COPY model.safetensors /models/"}) {
    const auto& l = by_step(s, step);
    CHECK(l.cls == LayerClass::volatile_layer);
    CHECK(l.reason == "changed in 4 of the last 4 releases, in 1/5 versions");
    CHECK(l.first_seen == "v5");
  }
  // 5 newest layers first, then the 8 retired app/model layers of v1..v4, most recent first.
  REQUIRE(s.layers.size() == 13);
  for (int i = 0; i < 5; ++i) CHECK(s.layers[i].in_newest);
  CHECK(s.layers[5].last_seen == "v4");
  CHECK(s.layers[12].last_seen == "v1");
  CHECK(s.layers[12].cls == LayerClass::volatile_layer);
  CHECK(s.layers[12].reason.find("gone since v2") != std::string::npos);
}

TEST_CASE("a layer that changed once recently stays stable; the threshold is a flag") {
  auto series = test::aigc_series(10);
  for (int v = 8; v <= 10; ++v)  // python upgraded in v8
    series.versions[v - 1].layers[2] = test::fake_layer("python-3.12", 55 * test::kMiB, "RUN pip install torch");
  auto s = classify_layers(series, {});
  const auto& python = by_step(s, "RUN pip install torch");
  CHECK(python.cls == LayerClass::stable);
  CHECK(python.reason == "changed in 1 of the last 9 releases, in 3/10 versions");
  CHECK(python.present_in.size() == 3);
  CHECK(python.first_seen == "v8");
  const auto& old_python = by_step(s, "RUN pip install torch", false);
  CHECK(old_python.cls == LayerClass::stable);
  CHECK(old_python.last_seen == "v7");

  // Only the last 2 releases: python changed in 0 of them; app in 2 of 2.
  StabilityOptions narrow;
  narrow.window = 2;
  auto w = classify_layers(series, narrow);
  CHECK(by_step(w, "RUN pip install torch").reason == "unchanged in the last 2 releases, in 3/10 versions");
  CHECK(by_step(w, "COPY app /app").reason == "changed in 2 of the last 2 releases, in 1/10 versions");

  // Demanding 95% reuse turns the once-changed python layer volatile.
  StabilityOptions strict;
  strict.stable_min_reuse = 0.95;
  CHECK(by_step(classify_layers(series, strict), "RUN pip install torch").cls == LayerClass::volatile_layer);
}

TEST_CASE("diff_id identity: a recompressed layer is still the same layer") {
  auto series = test::aigc_series(3);
  series.versions[2].layers[1].digest = sha256_digest("recompressed cuda");
  series.versions[2].layers[1].size = 190 * test::kMiB;
  auto s = classify_layers(series, {});
  const auto& cuda = by_step(s, "RUN apt-get install -y cuda-runtime");
  CHECK(cuda.cls == LayerClass::stable);
  CHECK(cuda.reason == "identical in 3/3 versions");
  CHECK(cuda.layer.size == 190 * test::kMiB);  // the newest sighting
}

TEST_CASE("a single version cannot show change and says so") {
  auto s = classify_layers(test::aigc_series(1), {});
  REQUIRE(s.layers.size() == 5);
  CHECK(s.layers[3].cls == LayerClass::stable);
  CHECK(s.layers[3].reason.find("only one version") != std::string::npos);
  CHECK(s.layers[3].window == 0);
}

TEST_CASE("bad thresholds are usage errors") {
  StabilityOptions o;
  o.stable_min_reuse = 1.5;
  CHECK_THROWS_AS(classify_layers(test::aigc_series(2), o), UsageError);
  o.stable_min_reuse = 0.5;
  o.window = 0;
  CHECK_THROWS_AS(classify_layers(test::aigc_series(2), o), UsageError);
}
