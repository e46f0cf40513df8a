#include "coldstart/analyze/analyze_report.hpp"

#include "coldstart/analyze/plan_report.hpp"

namespace coldstart::analyze {
namespace {

nlohmann::ordered_json deep_json(const DeepReport& report) { return to_json(report); }

}  // namespace

nlohmann::ordered_json analyze_plan_json(const AnalyzeResult& result) { return plan_to_json(result.plan, deep_json); }

nlohmann::ordered_json analyze_result_json(const AnalyzeResult& result) {
  nlohmann::ordered_json doc = analyze_plan_json(result);
  if (result.gate) doc["ci"] = ci_result_to_json(*result.gate, result.ci_rules);
  return doc;
}

std::string render_analyze_text(const AnalyzeResult& result) {
  std::string text = render_plan_text(result.plan);
  for (const auto& image : result.plan.images) {
    if (!image.deep) continue;
    text += "\n" + image.repository + " --deep (" + image.newest().tag + ")\n" + render_table(*image.deep);
  }
  if (result.gate) text += "\n" + render_ci_lines(*result.gate);
  return text;
}

std::string render_analyze_markdown(const AnalyzeResult& result) {
  std::string markdown = render_plan_markdown(result.plan);
  for (const auto& image : result.plan.images) {
    if (!image.deep) continue;
    markdown += "\n### " + image.repository + " --deep (" + image.newest().tag + ")\n\n" + render_markdown(*image.deep);
  }
  if (result.gate) markdown += "\n### CI gate\n\n```\n" + render_ci_lines(*result.gate) + "```\n";
  return markdown;
}

}  // namespace coldstart::analyze
