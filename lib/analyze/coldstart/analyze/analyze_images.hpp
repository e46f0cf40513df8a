// The analyze pipeline as one call: images (or one repository's tag history) in, Plan and CI
// verdict out. Every front end (coldstart analyze, prewarm, bench) calls this instead of
// chaining resolve -> series -> stability -> deep -> plan -> CI itself; rendering stays with the
// caller (analyze_report.hpp, plan_report.hpp, deep_analysis.hpp).
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "coldstart/analyze/ci_rules.hpp"
#include "coldstart/analyze/deep_analysis.hpp"
#include "coldstart/analyze/hints.hpp"
#include "coldstart/analyze/plan.hpp"
#include "coldstart/analyze/stability.hpp"
#include "coldstart/image/source.hpp"

namespace coldstart::analyze {

struct AnalyzeRequest {
  // Images on any transport; versions of one repository form a series. With `history` > 0,
  // exactly one repository (its tags are listed, filtered by `tags_regex`, the newest kept).
  std::vector<std::string> images;
  std::size_t history = 0;
  std::string tags_regex = ".*";          // ECMAScript, matched against the whole tag
  StabilityOptions stability;
  HintOptions hints;
  bool deep = false;                      // stream every layer of each series' newest version
  DeepOptions deep_options;
  std::optional<CiRules> ci;              // evaluate the CI gate with these rules when set
  unsigned jobs = 8;                      // images resolved at once (at least 1)
  image::SourceOptions source_options;
};

struct AnalyzeResult {
  Plan plan;                              // deep reports, when requested, sit in plan.images[i].deep
  std::optional<CiResult> gate;           // set when the request had CI rules
  CiRules ci_rules;                       // the rules the gate used (for its JSON form)
};

// How the pipeline opens an image argument; image::open_source unless a caller wraps it
// (for instance to count or log what is opened).
using SourceOpener = std::function<std::unique_ptr<image::Source>(const std::string& image,
                                                                  const image::SourceOptions& options)>;

// Resolves every image once (in parallel, at most `jobs` at once), lists and filters tags for
// `history`, classifies layers, runs the deep analysis on the newest version of each series with
// the Source that already resolved it, builds the plan and evaluates the CI rules.
// Throws UsageError for a contradictory request (no images, --history with several, a bad
// regex, stable_min_reuse outside 0..1) and Error for what fails on the way, naming the image.
// A failed gate is not an exception: check result.gate->failures().
AnalyzeResult analyze_images(const AnalyzeRequest& request, const SourceOpener& open = {});

}  // namespace coldstart::analyze
