// The CI gate (`analyze --ci`), modelled on dive's .dive-ci: thresholds read from
// .coldstart-ci.yaml or flags, checked against a Plan. A rule set to `disabled` (or false) stays off.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coldstart/analyze/hints.hpp"
#include "coldstart/analyze/plan.hpp"

namespace coldstart::analyze {

struct CiRules {
  std::optional<std::uint64_t> max_volatile_bytes;      // p2p bytes of the newest version
  std::optional<double> min_stable_ratio = 0.5;         // cache bytes / image bytes
  std::optional<std::uint64_t> max_layer_bytes;         // any single layer of the newest version
  std::optional<std::uint64_t> max_wasted_bytes;        // needs --deep
  std::optional<double> max_wasted_percent = 10.0;      // needs --deep; 0..100
  bool no_duplicate_layers = true;
  bool no_model_weights = false;
};

// Rule names as written in the file and as flags (without "--"); '_' is accepted for '-'.
const std::vector<std::string>& ci_rule_names();

// Sets rule `name` from text: a size ("500MiB"), a ratio ("0.6" or "60%"), a percent ("10" or "10%"),
// true/false, or "disabled"/"off"/"false" to switch it off. `where` names the source for errors.
void set_ci_rule(CiRules& rules, std::string_view name, std::string_view value, std::string_view where);

// Reads a .coldstart-ci.yaml text over `rules` (defaults first). Rules may sit at the top level or
// under `rules:`. Unknown keys are errors (a typo must not silently turn a rule off).
void apply_ci_config(CiRules& rules, std::string_view yaml_text, std::string_view path);

// The rules a gate runs with: the defaults, then `config_file` when not empty, then `overrides`
// (rule name -> value as the flags give them; named "--NAME" in errors). Throws Error when the
// file is missing or malformed.
CiRules load_ci_rules(const std::filesystem::path& config_file, const std::map<std::string, std::string>& overrides);

enum class CiStatus { pass, fail, skip };
std::string_view to_string(CiStatus status);

struct CiCheck {
  std::string rule;
  CiStatus status = CiStatus::pass;
  std::string message;  // "oci:examples/images/aigc: 120.0 MiB volatile per release > 100.0 MiB"
};

struct CiResult {
  std::vector<CiCheck> checks;  // in rule order, one per image (max-layer-size: one per failing layer)
  std::size_t failures() const;
};

CiResult evaluate_ci_rules(const Plan& plan, const CiRules& rules);

// "FAIL max-volatile-bytes: ..." one line per check; the FAIL lines are the violations.
std::string render_ci_lines(const CiResult& result);
nlohmann::ordered_json ci_result_to_json(const CiResult& result, const CiRules& rules);

}  // namespace coldstart::analyze
