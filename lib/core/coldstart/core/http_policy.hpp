// Who may receive credentials: the one rule every HTTP request of coldstart follows
// (registry, token realm, Prometheus). Kept here, in one place, so it can be read and tested.
//
// Credentials are the Authorization, Proxy-Authorization and Cookie headers, and the body of a
// request: the token POST carries refresh_token=<identity token> or a password.
// Rule: credentials reach only the origin (scheme, host and port) they were meant for.
//  1. A redirect to the same origin keeps headers and body.
//  2. A redirect to another origin drops the credential headers (blob storage such as S3 gets a
//     pre-signed URL and needs none). A request with a body is not followed there at all: a
//     307/308 would re-send the body, so the redirect is refused with an error naming both origins.
//     301/302/303 turn a POST into a bodiless GET, which then follows the header rule.
//  3. TLS verification switched off for one host (--insecure HOST:PORT) stays on for every other
//     host a redirect or a token realm leads to.
//  4. Basic credentials and identity tokens never go to a plain-http token realm on another host
//     than the registry, unless the user listed that realm host in --plain-http.
#pragma once
#include <set>
#include <string>
#include <string_view>

namespace coldstart::http {

// Same scheme, host and port (default ports made explicit: https://h == https://h:443).
// Unparseable URLs are never the same origin.
bool same_origin(std::string_view a, std::string_view b);

// Authorization, Proxy-Authorization, Cookie (case-insensitive).
bool is_credential_header(std::string_view name);

struct RedirectDecision {
  bool follow = true;
  std::string method;            // method of the next request (POST -> GET for 301/302/303)
  bool keep_body = false;        // re-send the body (307/308 only, same origin only)
  bool keep_credentials = true;  // keep the credential headers (same origin only)
  std::string refusal;           // why the redirect is not followed, when follow is false
};

// What to do with a redirect `status` of a `method` request carrying a body or not (rule 1, 2).
RedirectDecision decide_redirect(long status, std::string_view method, bool has_body, bool same_origin);

// Whether TLS is verified for `url`: off only when its authority is listed in `insecure` (rule 3).
bool verifies_tls(std::string_view url, const std::set<std::string>& insecure);

// Rule 4: may credentials go to the token `realm_url` of `registry` ("host[:port]")?
// https realms: yes. Plain-http realms: only on the registry's own host, or on a host:port the
// user listed in `plain_http`.
bool may_send_credentials_to_realm(std::string_view realm_url, std::string_view registry,
                                   const std::set<std::string>& plain_http);

}  // namespace coldstart::http
