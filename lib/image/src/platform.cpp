#include <fmt/format.h>

#include "coldstart/core/error.hpp"
#include "coldstart/image/manifest.hpp"

namespace coldstart::image {

std::string Platform::to_string() const {
  std::string s = os + "/" + architecture;
  if (!variant.empty()) s += "/" + variant;
  return s;
}

Platform Platform::parse(std::string_view text) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : text) {
    if (c == '/') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  parts.push_back(cur);
  bool empty_part = false;
  for (const auto& p : parts) empty_part |= p.empty();
  if (parts.size() < 2 || parts.size() > 3 || empty_part)
    throw UsageError(fmt::format("invalid platform '{}'", text), "use os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8");
  Platform p;
  p.os = parts[0];
  p.architecture = parts[1];
  if (parts.size() == 3) p.variant = parts[2];
  return p;
}

bool Platform::matches(const Platform& candidate) const {
  if (os != candidate.os || architecture != candidate.architecture) return false;
  if (variant.empty()) return true;
  if (variant == candidate.variant) return true;
  // arm64 images commonly omit the (only) v8 variant.
  return architecture == "arm64" && variant == "v8" && candidate.variant.empty();
}

}  // namespace coldstart::image
