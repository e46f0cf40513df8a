// Bearer tokens of the registry token protocol (docker/distribution "token authentication"
// and its OAuth2 variant): fetching one from the realm a challenge names, and a per-scope cache.
#pragma once
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "coldstart/core/http.hpp"
#include "coldstart/image/auth.hpp"
#include "coldstart/image/credentials.hpp"

namespace coldstart::image {

struct BearerToken {
  std::string value;        // never printed
  double expires_in = 60;   // seconds; 60 when the server does not say (the spec's default)
};

// Longer lifetimes are cut to this (a day): the token is fetched again sooner, never used too long.
constexpr double kMaxTokenLifetimeSeconds = 24 * 3600;

// Parses a token endpoint answer: {"token"|"access_token": ..., "expires_in": N}.
BearerToken parse_token_response(std::string_view body, std::string_view realm);

// Tokens by scope ("repository:aigc/sd:pull"), dropped shortly before they expire.
class TokenCache {
 public:
  using Clock = std::chrono::steady_clock;
  std::optional<std::string> get(const std::string& scope, Clock::time_point now = Clock::now()) const;
  void put(const std::string& scope, const BearerToken& token, Clock::time_point now = Clock::now());
  void forget(const std::string& scope);

 private:
  struct Entry {
    std::string value;
    Clock::time_point refresh_at;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

// Asks the challenge's realm for a token for `scope`: GET with Basic credentials (or anonymous),
// or POST grant_type=refresh_token when the credentials hold an identity token.
// `settings` carries TLS/timeout/retry settings (its url/method/headers are replaced); TLS is
// verified for the realm unless the realm's own host:port is in settings.insecure_hosts.
// `registry` ("host[:port]") names the registry in error messages. Credentials are refused to a
// plain-http realm on another host unless it is in `plain_http` (rule 4 of core/http_policy.hpp).
BearerToken fetch_bearer_token(const Challenge& challenge, const std::string& scope,
                               const std::optional<Credentials>& credentials, const http::Request& settings,
                               std::string_view registry, const std::set<std::string>& plain_http = {});

}  // namespace coldstart::image
