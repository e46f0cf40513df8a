// Shared by the libFuzzer targets: bytes as a string_view, quiet logs, and the
// rule every target checks: a parser of outside input may only fail with coldstart::Error (one
// clear line naming what failed). Any other exception escapes and libFuzzer reports it as a crash.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "coldstart/core/error.hpp"
#include "coldstart/core/log.hpp"

namespace coldstart::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Runs `parse`; coldstart::Error is the expected way to refuse bad input.
template <typename F>
void expect_error_only(F&& parse) {
  try {
    parse();
  } catch (const Error&) {
  }
}

// Called once from LLVMFuzzerInitialize: warnings would flood the fuzzer's output.
inline void quiet_logs() { log::set_level(log::Level::quiet); }

}  // namespace coldstart::fuzz
