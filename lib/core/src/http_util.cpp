// Pure helpers of the HTTP client: Retry-After, backoff, URLs, redaction.
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <ctime>
#include <memory>

#include "coldstart/core/http.hpp"

namespace coldstart::http {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using UrlPtr = std::unique_ptr<CURLU, UrlDeleter>;

std::string url_part(CURLU* u, CURLUPart part) {
  char* out = nullptr;
  if (curl_url_get(u, part, &out, 0) != CURLUE_OK || !out) return {};
  std::string s(out);
  curl_free(out);
  return s;
}

}  // namespace

std::optional<std::string> Response::header(std::string_view name) const {
  for (const auto& h : headers)
    if (iequals(h.name, name)) return h.value;
  return std::nullopt;
}

std::vector<std::string> Response::header_values(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& h : headers)
    if (iequals(h.name, name)) out.push_back(h.value);
  return out;
}

std::optional<double> parse_retry_after(std::string_view value, std::time_t now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    if (value.size() > 9) return std::nullopt;  // absurd; treat as unparseable
    return std::stod(std::string(value));
  }
  // HTTP-date: IMF-fixdate, obsolete RFC 850 and asctime forms (RFC 9110 section 5.6.7).
  static const char* formats[] = {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %d %H:%M:%S %Y"};
  std::string text(value);
  for (const char* format : formats) {
    std::tm tm{};
    const char* end = strptime(text.c_str(), format, &tm);
    if (!end || *end != '\0') continue;
    std::time_t when = timegm(&tm);
    return std::max(0.0, std::difftime(when, now));
  }
  return std::nullopt;
}

bool is_retryable_status(long status) { return status == 408 || status == 429 || (status >= 500 && status <= 599); }

double backoff_delay(int attempt, std::optional<double> retry_after, double random01, double base, double cap) {
  if (retry_after) return std::min(*retry_after, cap);
  double ceiling = std::min(cap, base * std::pow(2.0, std::min(attempt, 30)));
  // "Full jitter": spread retries of many clients over the whole window, but wait a little at least.
  return std::max(base / 4, ceiling * random01);
}

std::string resolve_location(std::string_view base_url, std::string_view location) {
  UrlPtr u(curl_url());
  if (!u) return std::string(location);
  std::string base(base_url), loc(trim(location));
  if (curl_url_set(u.get(), CURLUPART_URL, base.c_str(), 0) != CURLUE_OK) return loc;
  // With a base set, a relative URL is resolved against it; an absolute one replaces it.
  if (curl_url_set(u.get(), CURLUPART_URL, loc.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) return loc;
  std::string out = url_part(u.get(), CURLUPART_URL);
  return out.empty() ? loc : out;
}

std::string url_authority(std::string_view url) {
  UrlPtr u(curl_url());
  std::string text(url);
  if (!u || curl_url_set(u.get(), CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) return {};
  std::string host = url_part(u.get(), CURLUPART_HOST);
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string port = url_part(u.get(), CURLUPART_PORT);
  return port.empty() ? host : host + ":" + port;
}

std::string url_encode(std::string_view value) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

std::string redacted(const Header& header) {
  static const char* secret[] = {"authorization", "proxy-authorization", "cookie", "set-cookie"};
  for (const char* name : secret)
    if (iequals(header.name, name)) {
      // Keep the scheme ("Bearer", "Basic"): it helps debugging and reveals nothing.
      auto space = header.value.find(' ');
      std::string scheme = space == std::string::npos ? "" : header.value.substr(0, space) + " ";
      return header.name + ": " + scheme + "<redacted>";
    }
  return header.name + ": " + header.value;
}

std::string basic_authorization(std::string_view username, std::string_view password) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string in = std::string(username) + ":" + std::string(password), out = "Basic ";
  for (std::size_t i = 0; i < in.size(); i += 3) {
    unsigned n = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) n |= static_cast<unsigned char>(in[i + 2]);
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += i + 1 < in.size() ? alphabet[(n >> 6) & 63] : '=';
    out += i + 2 < in.size() ? alphabet[n & 63] : '=';
  }
  return out;
}

}  // namespace coldstart::http
