// CI rules as a front end gathers them: a rules file, then per-rule overrides.
#include <fmt/format.h>

#include "coldstart/analyze/ci_rules.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/file.hpp"
#include "coldstart/core/log.hpp"

namespace coldstart::analyze {

CiRules load_ci_rules(const std::filesystem::path& config_file, const std::map<std::string, std::string>& overrides) {
  CiRules rules;
  if (!config_file.empty()) {
    if (!std::filesystem::exists(config_file) || std::filesystem::is_directory(config_file))
      throw Error(fmt::format("CI rules file {} not found", config_file.string()), "check --ci-config");
    apply_ci_config(rules, read_file(config_file, 1 << 20), config_file.string());
    log::info("CI rules from {}", config_file.string());
  }
  for (const auto& [name, value] : overrides) set_ci_rule(rules, name, value, "--" + name);
  return rules;
}

}  // namespace coldstart::analyze
