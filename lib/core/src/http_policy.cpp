// The credential rule of http_policy.hpp.
#include "coldstart/core/http_policy.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>

#include "coldstart/core/http.hpp"

namespace coldstart::http {

namespace {

struct Origin {
  std::string scheme, host, port;
  bool operator==(const Origin&) const = default;
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::optional<Origin> origin_of(std::string_view url) {
  struct Free {
    void operator()(CURLU* u) const { curl_url_cleanup(u); }
  };
  std::unique_ptr<CURLU, Free> u(curl_url());
  std::string text(url);
  if (!u || curl_url_set(u.get(), CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) return std::nullopt;
  auto part = [&](CURLUPart p, unsigned flags) {
    char* out = nullptr;
    if (curl_url_get(u.get(), p, &out, flags) != CURLUE_OK || !out) return std::string();
    std::string s(out);
    curl_free(out);
    return s;
  };
  Origin o{lower(part(CURLUPART_SCHEME, 0)), lower(part(CURLUPART_HOST, 0)), part(CURLUPART_PORT, CURLU_DEFAULT_PORT)};
  if (o.scheme.empty() || o.host.empty()) return std::nullopt;
  return o;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

bool same_origin(std::string_view a, std::string_view b) {
  auto x = origin_of(a), y = origin_of(b);
  return x && y && *x == *y;
}

bool is_credential_header(std::string_view name) {
  return iequals(name, "Authorization") || iequals(name, "Proxy-Authorization") || iequals(name, "Cookie");
}

RedirectDecision decide_redirect(long status, std::string_view method, bool has_body, bool same) {
  RedirectDecision d;
  d.method = std::string(method);
  // 303 always, and 301/302 for POST (as browsers and curl do), continue as a bodiless GET.
  bool to_get = status == 303 || ((status == 301 || status == 302) && method == "POST");
  if (to_get && method != "HEAD") d.method = "GET";
  d.keep_body = !to_get && has_body;
  d.keep_credentials = same;
  if (!same && d.keep_body) {
    d.follow = false;
    d.refusal = fmt::format("a {} redirect would re-send the request body to another origin", status);
  }
  return d;
}

bool verifies_tls(std::string_view url, const std::set<std::string>& insecure) {
  return insecure.count(url_authority(url)) == 0;
}

bool may_send_credentials_to_realm(std::string_view realm_url, std::string_view registry,
                                   const std::set<std::string>& plain_http) {
  auto realm = origin_of(realm_url);
  if (!realm) return false;
  if (realm->scheme == "https") return true;
  if (plain_http.count(url_authority(realm_url))) return true;
  auto reg = origin_of("http://" + std::string(registry));
  return reg && reg->host == realm->host;
}

}  // namespace coldstart::http
