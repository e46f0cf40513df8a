#include "coldstart/image/registry_errors.hpp"

#include <nlohmann/json.hpp>

#include <cctype>

namespace coldstart::image {

namespace {

std::string reason_phrase(long status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 416: return "Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

// One printable line of at most 200 characters.
std::string one_line(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\r') {
      if (!out.empty()) break;
      continue;
    }
    out.push_back(std::isprint(static_cast<unsigned char>(c)) ? c : '?');
    if (out.size() >= 200) {
      out += "...";
      break;
    }
  }
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out;
}

}  // namespace

std::string summarize_registry_error(long status, std::string_view body) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_object() && doc.contains("errors") && doc["errors"].is_array() && !doc["errors"].empty()) {
    std::string out;
    for (const auto& e : doc["errors"]) {
      if (!e.is_object()) continue;
      std::string code = e.contains("code") && e["code"].is_string() ? e["code"].get<std::string>() : "";
      std::string message = e.contains("message") && e["message"].is_string() ? e["message"].get<std::string>() : "";
      std::string item = code.empty() ? message : message.empty() ? code : code + ": " + message;
      if (item.empty()) continue;
      if (!out.empty()) out += "; ";
      out += one_line(item);
    }
    if (!out.empty()) return out;
  }
  // Some token servers answer {"details": "..."} or {"error": "..."}.
  if (doc.is_object())
    for (const char* key : {"details", "error_description", "error", "message"})
      if (doc.contains(key) && doc[key].is_string() && !doc[key].get<std::string>().empty())
        return "HTTP " + std::to_string(status) + ": " + one_line(doc[key].get<std::string>());
  std::size_t start = 0;
  while (start < body.size() && std::isspace(static_cast<unsigned char>(body[start]))) ++start;
  std::string line = one_line(body.substr(start));
  std::string reason = reason_phrase(status);
  if (line.empty() || line.front() == '<')  // empty or HTML: the status says more
    return "HTTP " + std::to_string(status) + (reason.empty() ? "" : " " + reason);
  return "HTTP " + std::to_string(status) + ": " + line;
}

std::string next_link(std::string_view header) {
  // <url>; rel="next", <url2>; rel="prev"
  std::size_t i = 0;
  while (i < header.size()) {
    auto open = header.find('<', i);
    if (open == std::string_view::npos) break;
    auto close = header.find('>', open);
    if (close == std::string_view::npos) break;
    std::string_view url = header.substr(open + 1, close - open - 1);
    auto next_entry = header.find('<', close);
    std::string_view params = header.substr(close + 1, next_entry == std::string_view::npos ? std::string_view::npos
                                                                                             : next_entry - close - 1);
    std::string p(params);
    for (auto& c : p) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string compact;
    for (char c : p)
      if (c != ' ' && c != '"') compact.push_back(c);
    if (compact.find("rel=next") != std::string::npos) return std::string(url);
    i = close + 1;
  }
  return {};
}

}  // namespace coldstart::image
