// The composed analyze document: plan, then each --deep report, then the CI verdict.
#include <doctest/doctest.h>

#include "coldstart/analyze/analyze_report.hpp"
#include "coldstart/analyze/plan_report.hpp"

using namespace coldstart::analyze;

namespace {

AnalyzeResult aigc_v4_v5(bool deep, bool ci) {
  const std::string dir = "oci:" + std::string(COLDSTART_SOURCE_DIR) + "/examples/images/aigc";
  AnalyzeRequest request;
  request.images = {dir + ":v4", dir + ":v5"};
  request.deep = deep;
  if (ci) {
    request.ci = CiRules{};
    request.ci->max_volatile_bytes = 1024;
  }
  return analyze_images(request);
}

}  // namespace

TEST_CASE("analyze report: plan only, no deep section and no ci key") {
  AnalyzeResult result = aigc_v4_v5(false, false);
  auto doc = analyze_result_json(result);
  CHECK(doc["schema_version"] == 1);
  CHECK_FALSE(doc.contains("ci"));
  CHECK_FALSE(doc["images"][0].contains("deep"));
  CHECK(render_analyze_text(result).find("--deep") == std::string::npos);
}

TEST_CASE("analyze report: --deep tables and the CI verdict follow the plan; --plan-out has no ci") {
  AnalyzeResult result = aigc_v4_v5(true, true);
  auto doc = analyze_result_json(result);
  REQUIRE(doc.contains("ci"));
  CHECK_FALSE(analyze_plan_json(result).contains("ci"));
  CHECK(doc["images"][0]["deep"]["schema_version"] == 1);

  std::string text = render_analyze_text(result);
  auto deep_at = text.find("/aigc --deep (v5)\n");
  auto fail_at = text.find("FAIL max-volatile-bytes");
  REQUIRE(deep_at != std::string::npos);
  REQUIRE(fail_at != std::string::npos);
  CHECK(deep_at < fail_at);
  CHECK(text.rfind(render_plan_text(result.plan), 0) == 0);  // the plan tables come first

  std::string markdown = render_analyze_markdown(result);
  CHECK(markdown.find("/aigc --deep (v5)\n\n") != std::string::npos);
  CHECK(markdown.find("### CI gate\n\n```\nFAIL max-volatile-bytes") != std::string::npos);
}
