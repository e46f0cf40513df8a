// The whole `analyze` answer for people and machines: the plan, each series' --deep report and
// the CI verdict, composed from plan_report / deep_analysis / ci_rules renderers so every front
// end prints the same document.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "coldstart/analyze/analyze_images.hpp"

namespace coldstart::analyze {

// The Plan document (docs/plan-schema.md) with deep reports inlined: what --plan-out writes.
nlohmann::ordered_json analyze_plan_json(const AnalyzeResult& result);
// The plan document plus "ci" when a gate ran: what -o json|yaml prints.
nlohmann::ordered_json analyze_result_json(const AnalyzeResult& result);
// Plan tables, then each --deep report, then the CI lines.
std::string render_analyze_text(const AnalyzeResult& result);
std::string render_analyze_markdown(const AnalyzeResult& result);

}  // namespace coldstart::analyze
