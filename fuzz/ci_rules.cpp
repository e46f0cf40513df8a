// The CI gate's rules file (.coldstart-ci.yaml).
#include "coldstart/analyze/ci_rules.hpp"
#include "fuzz_common.hpp"

using namespace coldstart;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::expect_error_only([&] {
    analyze::CiRules rules;
    analyze::apply_ci_config(rules, fuzz::as_text(data, size), ".coldstart-ci.yaml");
  });
  return 0;
}
