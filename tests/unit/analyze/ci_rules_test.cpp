#include <doctest/doctest.h>

#include "coldstart/core/error.hpp"
#include "coldstart/analyze/ci_rules.hpp"
#include "series_fixture.hpp"

using namespace coldstart;
using namespace coldstart::image;
using namespace coldstart::analyze;

namespace {
Plan plan_of(const VersionSeries& series, std::optional<DeepReport> deep = std::nullopt) {
  std::vector<SeriesStability> s{classify_layers(series, {})};
  std::vector<std::optional<DeepReport>> d;
  d.push_back(std::move(deep));
  return build_plan(std::move(s), {}, std::move(d), {});
}
std::vector<CiCheck> with_status(const CiResult& r, CiStatus status) {
  std::vector<CiCheck> out;
  for (const auto& c : r.checks)
    if (c.status == status) out.push_back(c);
  return out;
}
}  // namespace

TEST_CASE("a rules file sets thresholds; disabled stays disabled") {
  CiRules rules;
  apply_ci_config(rules,
                  "rules:\n"
                  "  max-volatile-bytes: 100MiB\n"
                  "  min_stable_ratio: 60%\n"
                  "  max-layer-size: disabled\n"
                  "  max-wasted-percent: disabled\n"
                  "  no-duplicate-layers: false\n"
                  "  no-model-weights: true\n",
                  ".coldstart-ci.yaml");
  CHECK(rules.max_volatile_bytes == 100 * test::kMiB);
  CHECK(rules.min_stable_ratio.value() == doctest::Approx(0.6));
  CHECK_FALSE(rules.max_layer_bytes.has_value());
  CHECK_FALSE(rules.max_wasted_percent.has_value());
  CHECK_FALSE(rules.no_duplicate_layers);
  CHECK(rules.no_model_weights);
  // A rules file at the top level (no `rules:`) works too.
  CiRules flat;
  apply_ci_config(flat, "min-stable-ratio: disabled\n", "f.yaml");
  CHECK_FALSE(flat.min_stable_ratio.has_value());
}

TEST_CASE("bad rules files give clear errors") {
  CiRules rules;
  CHECK_THROWS_WITH_AS(apply_ci_config(rules, "max-volatile: 1GB\n", "ci.yaml"),
                       doctest::Contains("unknown CI rule 'max-volatile'"), UsageError);
  CHECK_THROWS_AS(apply_ci_config(rules, "min-stable-ratio: 1.5\n", "ci.yaml"), UsageError);
  CHECK_THROWS_AS(apply_ci_config(rules, "no-model-weights: maybe\n", "ci.yaml"), UsageError);
  CHECK_THROWS_AS(apply_ci_config(rules, "rules: [a, b]\n", "ci.yaml"), Error);
  CHECK_THROWS_AS(apply_ci_config(rules, "rules: {a: 1\n", "ci.yaml"), Error);
  CHECK_THROWS_AS(set_ci_rule(rules, "max-wasted-percent", "120", "--max-wasted-percent"), UsageError);
}

TEST_CASE("the gate fails on a breach and passes within limits") {
  Plan plan = plan_of(test::aigc_series(5));  // 385 MiB, 105 MiB volatile, stable 72.7%
  CiRules rules;
  rules.max_volatile_bytes = 100 * test::kMiB;
  rules.max_layer_bytes = 150 * test::kMiB;
  rules.no_model_weights = true;
  CiResult r = evaluate_ci_rules(plan, rules);
  auto failed = with_status(r, CiStatus::fail);
  REQUIRE(failed.size() == 3);
  CHECK(failed[0].rule == "max-volatile-bytes");
  CHECK(failed[0].message == "oci:examples/images/aigc: 105.0 MiB volatile per release > 100.0 MiB");
  CHECK(failed[1].rule == "max-layer-size");
  CHECK(failed[1].message.find("layer 1") != std::string::npos);
  CHECK(failed[2].rule == "no-model-weights");
  CHECK(failed[2].message.find("created_by mentions .safetensors") != std::string::npos);
  // The deep-only rule is skipped, not failed, without --deep.
  auto skipped = with_status(r, CiStatus::skip);
  REQUIRE(skipped.size() == 1);
  CHECK(skipped[0].rule == "max-wasted-percent");
  CHECK(render_ci_lines(r).find("FAIL max-volatile-bytes: ") != std::string::npos);
  CHECK(render_ci_lines(r).find("CI gate failed: 3 violation(s)") != std::string::npos);

  rules.max_volatile_bytes = 200 * test::kMiB;
  rules.max_layer_bytes.reset();
  rules.no_model_weights = false;
  r = evaluate_ci_rules(plan, rules);
  CHECK(r.failures() == 0);
  CHECK(render_ci_lines(r).find("CI gate passed") != std::string::npos);
}

TEST_CASE("min-stable-ratio and wasted rules use the plan and the deep report") {
  DeepReport deep;
  deep.wasted_bytes = 30 * test::kMiB;
  deep.wasted_ratio = 0.25;
  Plan plan = plan_of(test::aigc_series(5), deep);
  CiRules rules;
  rules.min_stable_ratio = 0.8;
  rules.max_wasted_bytes = 10 * test::kMiB;
  CiResult r = evaluate_ci_rules(plan, rules);
  auto failed = with_status(r, CiStatus::fail);
  REQUIRE(failed.size() == 3);
  CHECK(failed[0].message == "oci:examples/images/aigc: stable 72.7% of 385.0 MiB < 80.0%");
  CHECK(failed[1].rule == "max-wasted-bytes");
  CHECK(failed[2].message == "oci:examples/images/aigc: 25.0% of added bytes wasted > 10.0%");
  auto json = ci_result_to_json(r, rules);
  CHECK(json["passed"] == false);
  CHECK(json["failures"] == 3);
  CHECK(json["rules"]["max_layer_bytes"].is_null());
}

TEST_CASE("duplicate layers fail the default rules") {
  auto series = test::aigc_series(2);
  series.versions[1].layers.push_back(series.versions[1].layers[0]);
  CiResult r = evaluate_ci_rules(plan_of(series), CiRules{});
  auto failed = with_status(r, CiStatus::fail);
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].rule == "no-duplicate-layers");
}

// Found by fuzz/ci_rules: a complex key made yaml-cpp's BadConversion escape apply_ci_config.
TEST_CASE("a rules file with a complex key is a clear error") {
  CiRules rules;
  CHECK_THROWS_WITH_AS(apply_ci_config(rules, "rules:\n  ? [max-layer-size]\n  : 1GiB\n", ".coldstart-ci.yaml"),
                       doctest::Contains(".coldstart-ci.yaml: rule names must be plain words, line 2"), Error);
  CHECK_THROWS_AS(apply_ci_config(rules, "? {a: b}\n: disabled\n", ".coldstart-ci.yaml"), Error);
}
