// analyze_images end to end over the bundled OCI layouts (examples/images), checked against
// their EXPECTED.json; a counting wrapper around the real sources proves each image is opened
// and resolved once, --deep included.
#include <doctest/doctest.h>

#include <map>
#include <mutex>

#include "coldstart/analyze/analyze_images.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/file.hpp"

using namespace coldstart;
using namespace coldstart::analyze;

namespace {

std::string images_dir() { return std::string(COLDSTART_SOURCE_DIR) + "/examples/images"; }
std::string example(const std::string& layout, const std::string& tag = "") {
  return "oci:" + images_dir() + "/" + layout + (tag.empty() ? "" : ":" + tag);
}
std::vector<std::string> aigc(int first, int last) {
  std::vector<std::string> out;
  for (int v = first; v <= last; ++v) out.push_back(example("aigc", "v" + std::to_string(v)));
  return out;
}

nlohmann::json expected(const std::string& layout) {
  return nlohmann::json::parse(read_file(images_dir() + "/" + layout + "/EXPECTED.json"));
}

// What the pipeline asked of the sources, per image argument (thread-safe: resolution and the
// deep analysis run in parallel).
struct Calls {
  std::mutex mutex;
  std::map<std::string, int> opens, resolves, tag_listings, blobs;
  void add(std::map<std::string, int>& counter, const std::string& image) {
    std::lock_guard lock(mutex);
    ++counter[image];
  }
};

// Passes everything through to the real source, counting.
class CountingSource : public image::Source {
 public:
  CountingSource(std::unique_ptr<image::Source> inner, std::string image, Calls& calls)
      : inner_(std::move(inner)), image_(std::move(image)), calls_(calls) {}
  std::string describe() const override { return inner_->describe(); }
  image::ResolvedImage resolve() override {
    calls_.add(calls_.resolves, image_);
    return inner_->resolve();
  }
  std::unique_ptr<image::ByteStream> open_blob(const image::Descriptor& descriptor) override {
    calls_.add(calls_.blobs, image_);
    return inner_->open_blob(descriptor);
  }
  std::vector<std::string> list_tags() override {
    calls_.add(calls_.tag_listings, image_);
    return inner_->list_tags();
  }

 private:
  std::unique_ptr<image::Source> inner_;
  std::string image_;
  Calls& calls_;
};

SourceOpener counting_opener(Calls& calls) {
  return [&calls](const std::string& image, const image::SourceOptions& options) -> std::unique_ptr<image::Source> {
    calls.add(calls.opens, image);
    return std::make_unique<CountingSource>(image::open_source(image, options), image, calls);
  };
}

// diff_id -> role ("base", "cuda", "app", ...) of a tag in EXPECTED.json.
std::map<std::string, std::string> roles(const nlohmann::json& tag) {
  std::map<std::string, std::string> out;
  for (const auto& l : tag["layers"]) out[l["diff_id"].get<std::string>()] = l["role"].get<std::string>();
  return out;
}

}  // namespace

TEST_CASE("analyze_images: the aigc series puts base, cuda and python in the cache, app and model in p2p") {
  AnalyzeRequest request;
  request.images = aigc(1, 5);
  AnalyzeResult result = analyze_images(request);

  REQUIRE(result.plan.images.size() == 1);
  const PlanImage& image = result.plan.images[0];
  CHECK(image.repository == example("aigc"));
  REQUIRE(image.versions.size() == 5);
  CHECK(image.newest().tag == "v5");
  const auto v5 = expected("aigc")["tags"]["v5"];
  CHECK(image.newest().manifest_digest == v5["manifest_digest"].get<std::string>());

  auto role = roles(v5);
  std::vector<std::string> cache, p2p;
  for (const auto& layer : image.layers) {
    if (!layer.stability.in_newest) {
      CHECK(layer.destination == Destination::none);
      continue;
    }
    (layer.destination == Destination::cache ? cache : p2p).push_back(role.at(layer.stability.layer.id));
  }
  std::sort(cache.begin(), cache.end());
  std::sort(p2p.begin(), p2p.end());
  CHECK(cache == std::vector<std::string>{"base", "cuda", "empty", "python"});
  CHECK(p2p == std::vector<std::string>{"app", "model"});
  CHECK(image.cache_bytes + image.p2p_bytes == image.image_bytes);
  CHECK(image.node_fetch_with_plan_bytes == image.p2p_bytes);
  REQUIRE(result.plan.hints.size() == 1);
  CHECK(result.plan.hints[0].kind == "model_weights");
  CHECK_FALSE(image.deep.has_value());
  CHECK_FALSE(result.gate.has_value());
}

TEST_CASE("analyze_images: every image is opened and resolved once; --deep reuses the newest's Source") {
  Calls calls;
  AnalyzeRequest request;
  request.images = {example("aigc", "v4"), example("aigc", "v5"), example("llm", "v1"), example("llm", "v2")};
  request.deep = true;
  request.jobs = 2;
  AnalyzeResult result = analyze_images(request, counting_opener(calls));

  for (const auto& image : request.images) {
    CHECK_MESSAGE(calls.opens[image] == 1, image);
    CHECK_MESSAGE(calls.resolves[image] == 1, image);
  }
  CHECK(calls.opens.size() == 4);
  // Layers are streamed from the newest version of each series only, through its first Source.
  const auto aigc_v5 = expected("aigc")["tags"]["v5"];
  const auto llm_v2 = expected("llm")["tags"]["v2"];
  CHECK(calls.blobs[example("aigc", "v5")] == static_cast<int>(aigc_v5["layers"].size()));
  CHECK(calls.blobs[example("llm", "v2")] == static_cast<int>(llm_v2["layers"].size()));
  CHECK(calls.blobs.count(example("aigc", "v4")) == 0);
  CHECK(calls.blobs.count(example("llm", "v1")) == 0);

  REQUIRE(result.plan.images.size() == 2);
  for (const auto& image : result.plan.images) {
    REQUIRE_MESSAGE(image.deep.has_value(), image.repository);
    CHECK(image.deep->manifest_digest == image.newest().manifest_digest);
    CHECK(image.deep->layers.size() == image.newest().layers.size());
  }
  const auto& aigc_deep = *result.plan.images[0].deep;
  CHECK(aigc_deep.final_size_bytes == aigc_v5["filesystem"]["final_size_bytes"].get<std::uint64_t>());
  CHECK(aigc_deep.wasted_bytes == aigc_v5["filesystem"]["wasted_bytes"].get<std::uint64_t>());
}

TEST_CASE("analyze_images: --history lists the tags once and resolves each candidate once") {
  Calls calls;
  AnalyzeRequest request;
  request.images = {example("aigc")};
  request.history = 3;
  request.tags_regex = "v[0-9]+";
  AnalyzeResult result = analyze_images(request, counting_opener(calls));

  REQUIRE(result.plan.images.size() == 1);
  std::vector<std::string> tags;
  for (const auto& v : result.plan.images[0].versions) tags.push_back(v.tag);
  CHECK(tags == std::vector<std::string>{"v3", "v4", "v5"});
  CHECK(calls.tag_listings[example("aigc")] == 1);
  CHECK(calls.resolves.count(example("aigc")) == 0);  // the repository itself is only listed
  for (const auto& image : aigc(1, 5)) CHECK_MESSAGE(calls.resolves[image] == 1, image);
  CHECK(calls.blobs.empty());
}

TEST_CASE("analyze_images: the CI gate passes the defaults and fails a volatile-bytes limit") {
  AnalyzeRequest request;
  request.images = aigc(4, 5);
  request.ci = CiRules{};
  AnalyzeResult passing = analyze_images(request);
  REQUIRE(passing.gate.has_value());
  CHECK(passing.gate->failures() == 0);

  request.ci->max_volatile_bytes = 1024;
  AnalyzeResult failing = analyze_images(request);
  REQUIRE(failing.gate.has_value());
  REQUIRE(failing.gate->failures() == 1);
  CHECK(failing.ci_rules.max_volatile_bytes == 1024u);
  bool named = false;
  for (const auto& check : failing.gate->checks)
    if (check.status == CiStatus::fail) named = check.rule == "max-volatile-bytes";
  CHECK(named);
}

TEST_CASE("analyze_images: contradictory requests are usage errors, a missing tag an error") {
  AnalyzeRequest none;
  CHECK_THROWS_AS(analyze_images(none), UsageError);

  AnalyzeRequest two;
  two.images = aigc(1, 2);
  two.history = 2;
  CHECK_THROWS_AS(analyze_images(two), UsageError);

  AnalyzeRequest bad_regex;
  bad_regex.images = {example("aigc")};
  bad_regex.history = 2;
  bad_regex.tags_regex = "(";
  CHECK_THROWS_AS(analyze_images(bad_regex), UsageError);

  AnalyzeRequest reuse;
  reuse.images = aigc(1, 1);
  reuse.stability.stable_min_reuse = 1.5;
  CHECK_THROWS_AS(analyze_images(reuse), UsageError);

  AnalyzeRequest missing;
  missing.images = {example("aigc", "v1"), example("aigc", "v404")};
  CHECK_THROWS_WITH_AS(analyze_images(missing), doctest::Contains("v404"), Error);
}
