#include "coldstart/image/bearer_token.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "coldstart/core/error.hpp"
#include "coldstart/core/http_policy.hpp"
#include "coldstart/image/registry_errors.hpp"

namespace coldstart::image {

BearerToken parse_token_response(std::string_view body, std::string_view realm) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_object())
    throw Error(fmt::format("token server {} answered something that is not JSON", realm),
                "check the realm in the registry's WWW-Authenticate header");
  BearerToken t;
  for (const char* key : {"token", "access_token"})
    if (doc.contains(key) && doc[key].is_string() && !doc[key].get<std::string>().empty()) {
      t.value = doc[key].get<std::string>();
      break;
    }
  if (t.value.empty())
    throw Error(fmt::format("token server {} answered without a token", realm), "expected a \"token\" or \"access_token\" field");
  // Capped: a huge lifetime would overflow the cache's clock arithmetic (UB), and refreshing a
  // token early is always safe.
  if (doc.contains("expires_in") && doc["expires_in"].is_number() && doc["expires_in"].get<double>() > 0)
    t.expires_in = std::min(doc["expires_in"].get<double>(), kMaxTokenLifetimeSeconds);
  return t;
}

std::optional<std::string> TokenCache::get(const std::string& scope, Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(scope);
  if (it == entries_.end() || now >= it->second.refresh_at) return std::nullopt;
  return it->second.value;
}

void TokenCache::put(const std::string& scope, const BearerToken& token, Clock::time_point now) {
  // Refresh a little early so a token does not expire between our check and the registry's.
  double margin = std::min(30.0, token.expires_in * 0.1);
  auto life = std::chrono::duration<double>(token.expires_in - margin);
  std::lock_guard lock(mutex_);
  entries_[scope] = Entry{token.value, now + std::chrono::duration_cast<Clock::duration>(life)};
}

void TokenCache::forget(const std::string& scope) {
  std::lock_guard lock(mutex_);
  entries_.erase(scope);
}

BearerToken fetch_bearer_token(const Challenge& challenge, const std::string& scope,
                               const std::optional<Credentials>& credentials, const http::Request& settings,
                               std::string_view registry, const std::set<std::string>& plain_http) {
  std::string realm = challenge.param("realm");
  if (realm.empty())
    throw Error(fmt::format("registry {} asked for a bearer token without naming a realm", registry),
                "the registry's WWW-Authenticate header is malformed");
  std::string service = challenge.param("service");
  bool has_secret = credentials && (!credentials->identity_token.empty() || !credentials->username.empty());
  if (has_secret && !http::may_send_credentials_to_realm(realm, registry, plain_http))
    throw Error(fmt::format("registry {} names a plain-http token realm on another host, {}; coldstart will not send "
                            "your credentials there unencrypted",
                            registry, http::url_authority(realm)),
                "fix the registry's token realm to use https, or list that host with --plain-http " +
                    http::url_authority(realm) + " if you trust the network");
  http::Request req = settings;
  // --insecure names hosts: the registry's entry does not switch off TLS checks for its token realm.
  req.verify_tls = http::verifies_tls(realm, settings.insecure_hosts);
  req.headers.clear();
  req.body.clear();
  req.max_body_bytes = 1024 * 1024;
  bool refresh = credentials && !credentials->identity_token.empty();
  if (refresh) {
    // OAuth2 refresh-token grant, as docker does with an identity token.
    req.method = "POST";
    req.url = realm;
    req.content_type = "application/x-www-form-urlencoded";
    req.body = "grant_type=refresh_token&client_id=coldstart&service=" + http::url_encode(service) +
               "&scope=" + http::url_encode(scope) + "&refresh_token=" + http::url_encode(credentials->identity_token);
  } else {
    req.method = "GET";
    std::string query;
    if (!service.empty()) query += "service=" + http::url_encode(service);
    if (!scope.empty()) query += std::string(query.empty() ? "" : "&") + "scope=" + http::url_encode(scope);
    req.url = realm + (query.empty() ? "" : (realm.find('?') == std::string::npos ? "?" : "&") + query);
    if (credentials && !credentials->username.empty())
      req.headers.push_back({"Authorization", basic_authorization(credentials->username, credentials->password)});
  }
  http::Response r = http::send(req);
  if (r.status == 401 || r.status == 403) {
    if (credentials)
      throw Error(fmt::format("authentication failed for {}", registry),
                  "check --username/--password-stdin or docker login");
    throw Error(fmt::format("authentication required for {}", registry),
                "pass --username and --password-stdin, or run docker login");
  }
  if (r.status < 200 || r.status >= 300)
    throw Error(fmt::format("token server {} refused a token for {}: {}", http::url_authority(realm), registry,
                            summarize_registry_error(r.status, r.body)),
                "check the registry's auth configuration");
  return parse_token_response(r.body, http::url_authority(realm));
}

}  // namespace coldstart::image
