#include <doctest/doctest.h>

#include "coldstart/cluster/layer_selection.hpp"
#include "coldstart/core/error.hpp"

using namespace coldstart;
using namespace coldstart::cluster;

namespace {

const char* kPlan = R"({"schema_version":1,"kind":"coldstart-plan","images":[
  {"repository":"oci:other","versions":[{"manifest_digest":"sha256:m0"}],
   "layers":[{"digest":"sha256:a","class":"volatile"}]},
  {"repository":"oci:app","versions":[{"manifest_digest":"sha256:m1"}],
   "layers":[{"digest":"sha256:a","class":"stable"},{"digest":"sha256:b","class":"volatile"}]}]})";

std::vector<image::Descriptor> layers(std::initializer_list<const char*> digests) {
  std::vector<image::Descriptor> out;
  for (auto d : digests) {
    image::Descriptor x;
    x.digest = d;
    out.push_back(x);
  }
  return out;
}

}  // namespace

TEST_CASE("the plan image is matched by manifest digest first, then by repository") {
  CHECK(*read_plan_classes(kPlan, "plan.json", "sha256:m1", "").find("sha256:a") == "stable");
  CHECK(read_plan_classes(kPlan, "plan.json", "sha256:m1", "").matched == "oci:app");
  CHECK(*read_plan_classes(kPlan, "plan.json", "sha256:new", "oci:other").find("sha256:a") == "volatile");
  auto any = read_plan_classes(kPlan, "plan.json", "sha256:new", "oci:none");
  CHECK(any.matched.empty());
  CHECK(any.find("sha256:b"));
}

TEST_CASE("--layers stable keeps stable layers; layers new since the plan count as volatile") {
  auto plan = read_plan_classes(kPlan, "plan.json", "sha256:m1", "");
  auto choice = select_layers(layers({"sha256:a", "sha256:b", "sha256:c"}), &plan, LayerFilter::stable);
  REQUIRE(choice.size() == 3);
  CHECK(choice[0].selected);
  CHECK_FALSE(choice[1].selected);
  CHECK(choice[1].reason == "class volatile, --layers stable");
  CHECK_FALSE(choice[2].selected);
  CHECK(choice[2].layer_class == "volatile");
  auto vol = select_layers(layers({"sha256:a", "sha256:b", "sha256:c"}), &plan, LayerFilter::volatile_);
  CHECK_FALSE(vol[0].selected);
  CHECK(vol[1].selected);
  CHECK(vol[2].selected);
  auto all = select_layers(layers({"sha256:a"}), nullptr, LayerFilter::all);
  CHECK(all[0].selected);
  CHECK(all[0].layer_class.empty());
}

TEST_CASE("a file that is not a plan is refused clearly") {
  CHECK_THROWS_WITH_AS(read_plan_classes("{}", "x.json", "", ""), doctest::Contains("x.json is not a coldstart plan"), Error);
  CHECK_THROWS_WITH_AS(read_plan_classes("not json", "x.json", "", ""), doctest::Contains("not a coldstart plan"), Error);
  CHECK_THROWS_AS(parse_layer_filter("some"), UsageError);
}
