// The Plan for people: compact bloaty-style tables (where do the bytes go, which stay, which
// travel each release), as plain text for terminals or Markdown for PR comments.
#pragma once
#include <string>

#include "coldstart/analyze/plan.hpp"

namespace coldstart::analyze {

std::string render_plan_text(const Plan& plan);
std::string render_plan_markdown(const Plan& plan);

}  // namespace coldstart::analyze
