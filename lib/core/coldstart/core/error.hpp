// Typed errors: one line that says what failed, on what, and what to try.
// The CLI prints what() and maps the type to an exit code.
#pragma once
#include <stdexcept>
#include <string>

namespace coldstart {

enum class ExitCode : int { ok = 0, error = 1, usage = 2, gate_failed = 3 };

// A failure the user can act on (bad input, unreachable registry, digest mismatch...).
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
  Error(const std::string& message, const std::string& hint)
      : std::runtime_error(hint.empty() ? message : message + " (" + hint + ")") {}
};

// Wrong flags or arguments: exit code 2.
class UsageError : public Error {
 public:
  using Error::Error;
};

// A CI gate or regression check failed: exit code 3.
class GateFailed : public Error {
 public:
  using Error::Error;
};

}  // namespace coldstart
