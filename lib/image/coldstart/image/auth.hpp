// HTTP authentication pieces of the registry protocol: WWW-Authenticate challenges and the
// Basic scheme. Bearer tokens live in bearer_token.hpp, credential lookup in credentials.hpp.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coldstart::image {

// One challenge of a WWW-Authenticate header, e.g.
// Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"
struct Challenge {
  std::string scheme;                         // lowercase: "bearer", "basic"
  std::map<std::string, std::string> params;  // lowercase names, unquoted values
  std::string param(const std::string& name) const;
};

// Parses a header value that may hold several challenges; malformed parts are skipped.
std::vector<Challenge> parse_www_authenticate(std::string_view header);
// The first challenge with `scheme` ("bearer" preferred by callers) among all header values.
std::optional<Challenge> find_challenge(const std::vector<std::string>& header_values, std::string_view scheme);

std::string base64_encode(std::string_view data);
// Throws Error naming `what` when the text is not base64.
std::string base64_decode(std::string_view text, std::string_view what);
// "Basic " + base64(user:password)
std::string basic_authorization(std::string_view username, std::string_view password);

}  // namespace coldstart::image
