#include "coldstart/image/auth.hpp"

#include <algorithm>
#include <cctype>

#include "coldstart/core/error.hpp"

namespace coldstart::image {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool is_token_char(char c) { return c != ' ' && c != '\t' && c != ',' && c != '=' && c != '"'; }

}  // namespace

std::string Challenge::param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

std::vector<Challenge> parse_www_authenticate(std::string_view h) {
  std::vector<Challenge> out;
  std::size_t i = 0;
  auto skip_space = [&] {
    while (i < h.size() && (h[i] == ' ' || h[i] == '\t')) ++i;
  };
  while (i < h.size()) {
    skip_space();
    if (i < h.size() && h[i] == ',') {
      ++i;
      continue;
    }
    std::size_t start = i;
    while (i < h.size() && is_token_char(h[i])) ++i;
    std::string token(h.substr(start, i - start));
    if (token.empty()) {  // stray character: skip it
      ++i;
      continue;
    }
    skip_space();
    if (i < h.size() && h[i] == '=' && !out.empty()) {
      // auth-param: name=value or name="quoted value"
      ++i;
      skip_space();
      std::string value;
      if (i < h.size() && h[i] == '"') {
        ++i;
        while (i < h.size() && h[i] != '"') {
          if (h[i] == '\\' && i + 1 < h.size()) ++i;
          value.push_back(h[i++]);
        }
        if (i < h.size()) ++i;  // closing quote
      } else {
        while (i < h.size() && h[i] != ',' && h[i] != ' ' && h[i] != '\t') value.push_back(h[i++]);
      }
      out.back().params[lower(token)] = value;
    } else if (i < h.size() && h[i] == '=') {
      ++i;  // a parameter before any scheme: malformed, ignore
    } else {
      out.push_back(Challenge{lower(token), {}});
    }
  }
  return out;
}

std::optional<Challenge> find_challenge(const std::vector<std::string>& header_values, std::string_view scheme) {
  for (const auto& value : header_values)
    for (auto& c : parse_www_authenticate(value))
      if (c.scheme == scheme) return c;
  return std::nullopt;
}

std::string base64_encode(std::string_view data) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    unsigned v = (unsigned char)data[i] << 16 | (unsigned char)data[i + 1] << 8 | (unsigned char)data[i + 2];
    out += {table[v >> 18], table[(v >> 12) & 63], table[(v >> 6) & 63], table[v & 63]};
  }
  if (i + 1 == data.size()) {
    unsigned v = (unsigned char)data[i] << 16;
    out += {table[v >> 18], table[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == data.size()) {
    unsigned v = (unsigned char)data[i] << 16 | (unsigned char)data[i + 1] << 8;
    out += {table[v >> 18], table[(v >> 12) & 63], table[(v >> 6) & 63], '='};
  }
  return out;
}

std::string base64_decode(std::string_view text, std::string_view what) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=' || c == '\n' || c == '\r' || c == ' ') continue;
    int v = value(c);
    if (v < 0) throw Error("invalid base64 in " + std::string(what), "re-run docker login or fix the file");
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

std::string basic_authorization(std::string_view username, std::string_view password) {
  return "Basic " + base64_encode(std::string(username) + ":" + std::string(password));
}

}  // namespace coldstart::image
