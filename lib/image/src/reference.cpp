// Image references, following the grammar of distribution/reference (the one docker and crane use).
#include "coldstart/image/reference.hpp"

#include <fmt/format.h>

#include <cctype>

#include "coldstart/core/digest.hpp"
#include "coldstart/core/error.hpp"

namespace coldstart::image {

namespace {

constexpr std::string_view kDockerHub = "registry-1.docker.io";
constexpr std::size_t kMaxNameLength = 255;

[[noreturn]] void fail(std::string_view text, std::string_view reason, std::string_view hint = {}) {
  throw UsageError(fmt::format("invalid image reference '{}': {}", text, reason),
                   hint.empty() ? "expected [registry[:port]/]repository[:tag][@sha256:digest]" : std::string(hint));
}

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// path-component: [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*
bool valid_path_component(std::string_view c) {
  if (c.empty() || !is_lower_alnum(c.front()) || !is_lower_alnum(c.back())) return false;
  for (std::size_t i = 0; i < c.size();) {
    if (is_lower_alnum(c[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < c.size() && !is_lower_alnum(c[j])) ++j;
    std::string_view sep = c.substr(i, j - i);
    bool ok = sep == "." || sep == "_" || sep == "__" || sep.find_first_not_of('-') == std::string_view::npos;
    if (!ok) return false;
    i = j;
  }
  return true;
}

// domain-component: [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool valid_host_name(std::string_view host) {
  if (host.empty()) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = host.find('.', start);
    std::string_view part = host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (part.empty() || !is_alnum(part.front()) || !is_alnum(part.back())) return false;
    for (char c : part)
      if (!is_alnum(c) && c != '-') return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool valid_port(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  for (char c : port)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return std::stoi(std::string(port)) <= 65535;
}

void validate_registry(std::string_view text, std::string_view registry) {
  std::string_view host = registry;
  std::string_view port;
  if (registry.front() == '[') {
    auto close = registry.find(']');
    if (close == std::string_view::npos) fail(text, "unclosed '[' in the IPv6 registry address");
    host = registry.substr(1, close - 1);
    std::string_view rest = registry.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') fail(text, fmt::format("unexpected '{}' after the IPv6 address", rest));
      port = rest.substr(1);
      if (!valid_port(port)) fail(text, fmt::format("invalid port '{}' in registry '{}'", port, registry));
    }
    if (host.empty() || host.find(':') == std::string_view::npos ||
        host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos)
      fail(text, fmt::format("invalid IPv6 address '{}'", host), "write IPv6 registries as [::1]:5000/repository");
    return;
  }
  auto colon = registry.rfind(':');
  if (colon != std::string_view::npos) {
    host = registry.substr(0, colon);
    port = registry.substr(colon + 1);
    if (!valid_port(port)) fail(text, fmt::format("invalid port '{}' in registry '{}'", port, registry));
  }
  if (!valid_host_name(host))
    fail(text, fmt::format("invalid registry host '{}'", host),
         "a registry is a host name or address with an optional :port; IPv6 goes in brackets");
}

// tag: [\w][\w.-]{0,127}
bool valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128) return false;
  auto word = [](char c) { return is_alnum(c) || c == '_'; };
  if (!word(tag.front())) return false;
  for (char c : tag)
    if (!word(c) && c != '.' && c != '-') return false;
  return true;
}

}  // namespace

Reference Reference::parse(std::string_view text) {
  if (text.empty()) fail(text, "it is empty");
  for (char c : text)
    if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c)))
      fail(text, "it contains whitespace or control characters");
  if (text.find("://") != std::string_view::npos)
    fail(text, "it has a URL scheme", "write registry/repository:tag, or docker://registry/repository:tag");

  Reference ref;
  std::string_view name = text;
  if (auto at = text.find('@'); at != std::string_view::npos) {
    std::string_view digest = text.substr(at + 1);
    name = text.substr(0, at);
    if (!is_valid_digest(digest))
      fail(text, fmt::format("invalid digest '{}'", digest), "a digest is sha256: followed by 64 lowercase hex digits");
    ref.digest = std::string(digest);
  }
  if (name.empty()) fail(text, "the repository name is missing");

  // The tag is after the last ':' that follows the last '/' (a ':' before it belongs to a port).
  auto last_slash = name.rfind('/');
  auto last_colon = name.rfind(':');
  bool in_ipv6 = name.front() == '[' && last_slash == std::string_view::npos;
  if (last_colon != std::string_view::npos && !in_ipv6 &&
      (last_slash == std::string_view::npos || last_colon > last_slash)) {
    std::string_view tag = name.substr(last_colon + 1);
    if (!valid_tag(tag))
      fail(text, fmt::format("invalid tag '{}'", tag), "a tag is up to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'");
    ref.tag = std::string(tag);
    name = name.substr(0, last_colon);
  }

  // A first component is a registry when it looks like a host: has '.', ':', is localhost, or is
  // bracketed IPv6. (Docker also takes "Aigc/x" as host "Aigc"; a lowercase error is more useful.)
  std::string_view repository = name;
  auto slash = name.find('/');
  if (slash != std::string_view::npos) {
    std::string_view first = name.substr(0, slash);
    if (first.find_first_of(".:") != std::string_view::npos || first == "localhost" || first.starts_with("[")) {
      if (first.empty()) fail(text, "the registry is empty");
      validate_registry(text, first);
      ref.registry = std::string(first);
      repository = name.substr(slash + 1);
    }
  } else if (name.front() == '[') {
    fail(text, "the repository name is missing after the registry");
  }

  if (ref.registry.empty() || ref.registry == "docker.io" || ref.registry == "index.docker.io")
    ref.registry = std::string(kDockerHub);
  if (repository.empty()) fail(text, "the repository name is missing");

  std::size_t start = 0;
  std::size_t components = 0;
  while (true) {
    auto end = repository.find('/', start);
    std::string_view component =
        repository.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (!valid_path_component(component)) {
      for (char c : component)
        if (std::isupper(static_cast<unsigned char>(c)))
          fail(text, fmt::format("repository name '{}' must be lowercase", repository));
      fail(text, fmt::format("invalid repository name component '{}'", component),
           "repository components are lowercase letters and digits, separated by '.', '_', '__' or '-'");
    }
    ++components;
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  ref.repository = std::string(repository);
  if (ref.registry == kDockerHub && components == 1) ref.repository = "library/" + ref.repository;
  if (ref.registry.size() + 1 + ref.repository.size() > kMaxNameLength)
    fail(text, fmt::format("the name is longer than {} characters", kMaxNameLength));

  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

std::string Reference::to_string() const {
  std::string s = registry + "/" + repository;
  if (!tag.empty()) s += ":" + tag;
  if (!digest.empty()) s += "@" + digest;
  return s;
}

}  // namespace coldstart::image
