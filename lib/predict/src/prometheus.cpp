#include "coldstart/predict/prometheus.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <mutex>

#include "coldstart/core/error.hpp"
#include "coldstart/core/log.hpp"

namespace coldstart::predict {
namespace {

using nlohmann::json;

double parse_sample_value(const json& v, const std::string& source) {
  if (v.is_number()) return v.get<double>();
  if (!v.is_string()) throw Error(source + ": a sample value is neither a string nor a number", "is this a Prometheus query_range answer?");
  const std::string& s = v.get_ref<const std::string&>();
  // strtod reads Prometheus' "NaN", "+Inf", "-Inf" as well as numbers.
  char* end = nullptr;
  double x = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size())
    throw Error(fmt::format("{}: sample value '{}' is not a number", source, s), "is this a Prometheus query_range answer?");
  return x;
}

std::int64_t parse_sample_time(const json& t, const std::string& source) {
  double x = 0;
  if (t.is_number()) {
    x = t.get<double>();
  } else if (t.is_string()) {
    x = std::strtod(t.get_ref<const std::string&>().c_str(), nullptr);
  } else {
    throw Error(source + ": a sample timestamp is not a number", "is this a Prometheus query_range answer?");
  }
  return static_cast<std::int64_t>(std::llround(x));
}

Point parse_pair(const json& pair, const std::string& source) {
  if (!pair.is_array() || pair.size() != 2)
    throw Error(source + ": a sample is not a [timestamp, \"value\"] pair", "is this a Prometheus query_range answer?");
  return {parse_sample_time(pair[0], source), parse_sample_value(pair[1], source)};
}

std::string iso_time(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string label_key(const std::map<std::string, std::string>& labels) {
  std::string key;
  for (const auto& [k, v] : labels) key += k + '\x1f' + v + '\x1e';
  return key;
}

// Hides user:password@ in URLs shown in messages.
std::string redact_url(const std::string& url) {
  auto scheme = url.find("://");
  auto at = url.find('@', scheme == std::string::npos ? 0 : scheme + 3);
  auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (scheme == std::string::npos || at == std::string::npos || (slash != std::string::npos && at > slash)) return url;
  return url.substr(0, scheme + 3) + "***@" + url.substr(at + 1);
}

size_t append_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t capture_location(char* data, size_t size, size_t count, void* user) {
  std::string_view line(data, size * count);
  if (line.size() > 9 && (line.substr(0, 9) == "Location:" || line.substr(0, 9) == "location:")) {
    auto v = line.substr(9);
    while (!v.empty() && (v.front() == ' ')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n')) v.remove_suffix(1);
    *static_cast<std::string*>(user) = std::string(v);
  }
  return size * count;
}

struct HttpAnswer {
  long status = 0;
  std::string body;
  std::string location;
};

// The Prometheus error message of a non-200 answer, if the body is Prometheus' JSON.
std::string prometheus_error(const std::string& body) {
  try {
    auto doc = json::parse(body);
    std::string type = doc.value("errorType", ""), error = doc.value("error", "");
    if (!error.empty()) return type.empty() ? error : type + ": " + error;
  } catch (const json::exception&) {
  }
  std::string text = body.substr(0, 200);
  std::replace(text.begin(), text.end(), '\n', ' ');
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.pop_back();
  return text.empty() ? "(empty body)" : text;
}

HttpAnswer post_form(const PrometheusQuery& q, const std::string& endpoint, const std::string& form) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* curl = curl_easy_init();
  if (!curl) throw Error("cannot initialise libcurl");
  HttpAnswer answer;
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_slist* headers = nullptr;
  std::string auth_header;
  if (!q.bearer_token.empty()) {
    auth_header = "Authorization: Bearer " + q.bearer_token;
    headers = curl_slist_append(headers, auth_header.c_str());
  }
  headers = curl_slist_append(headers, "Accept: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, endpoint.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(form.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (!q.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERNAME, q.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, q.password.c_str());
  }
  // Redirects are not followed: credentials must never travel to a host the user did not name.
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(q.timeout_seconds * 1000));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // gzip: range answers compress ~10x
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, capture_location);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &answer.location);
  CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    std::string why = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    std::string where = redact_url(q.url);
    switch (rc) {
      case CURLE_COULDNT_CONNECT:
        throw Error(fmt::format("cannot connect to Prometheus at {}: {}", where, why), "is it running? check --prometheus");
      case CURLE_COULDNT_RESOLVE_HOST:
        throw Error(fmt::format("cannot resolve the host of Prometheus URL {}: {}", where, why), "check --prometheus");
      case CURLE_OPERATION_TIMEDOUT:
        throw Error(fmt::format("Prometheus at {} did not answer within {}s: {}", where, q.timeout_seconds, why),
                    "try a shorter --range or a larger --step");
      case CURLE_UNSUPPORTED_PROTOCOL:
      case CURLE_URL_MALFORMAT:
        throw UsageError(fmt::format("invalid Prometheus URL {}: {}", where, why),
                         "use http://HOST:PORT or https://HOST:PORT");
      default:
        throw Error(fmt::format("request to Prometheus at {} failed: {}", where, why), "check --prometheus and the network");
    }
  }
  return answer;
}

void check_status(const HttpAnswer& a, const PrometheusQuery& q) {
  if (a.status == 200) return;
  std::string where = redact_url(q.url);
  if (a.status >= 300 && a.status < 400)
    throw Error(fmt::format("Prometheus at {} redirected (HTTP {}) to {}", where, a.status, redact_url(a.location)),
                "pass the final URL as --prometheus");
  std::string msg = prometheus_error(a.body);
  std::string head = fmt::format("Prometheus at {} answered HTTP {} to query '{}': {}", where, a.status, q.query, msg);
  switch (a.status) {
    case 400: throw Error(head, "check --query (PromQL) and --step");
    case 401:
    case 403: throw Error(head, "check --bearer-token-file, or --username with --password-stdin");
    case 404: throw Error(head, "--prometheus should be the server's base URL, e.g. http://HOST:9090");
    case 422: throw Error(head, "the query could not be evaluated; check --query");
    case 503: throw Error(head, "the server is overloaded or timed out; try a shorter --range or a larger --step");
    default: throw Error(head);
  }
}

std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

}  // namespace

std::vector<LabeledPoints> parse_query_range(std::string_view json_text, const std::string& source) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::parse_error& e) {
    throw Error(fmt::format("{}: not valid JSON (byte {}): {}", source, e.byte, e.what()),
                "expected the answer of /api/v1/query_range");
  }
  if (!doc.is_object()) throw Error(source + ": expected a JSON object", "expected the answer of /api/v1/query_range");
  const json* data = &doc;
  if (doc.contains("status")) {
    std::string status = doc["status"].is_string() ? doc["status"].get<std::string>() : "";
    if (status != "success") {
      std::string type = doc.value("errorType", ""), error = doc.value("error", "");
      throw Error(fmt::format("{}: Prometheus reported {}{}{}", source, status.empty() ? "no status" : "status " + status,
                              type.empty() ? "" : " (" + type + ")", error.empty() ? "" : ": " + error),
                  "fix the query that produced it");
    }
    if (!doc.contains("data") || !doc["data"].is_object())
      throw Error(source + ": no \"data\" object", "expected the answer of /api/v1/query_range");
    data = &doc["data"];
  }
  std::string type = data->contains("resultType") && (*data)["resultType"].is_string() ? (*data)["resultType"].get<std::string>() : "";
  if (type != "matrix" && type != "vector")
    throw Error(fmt::format("{}: result type '{}' is not a matrix", source, type),
                "export a range query (/api/v1/query_range), not a scalar or string");
  if (!data->contains("result") || !(*data)["result"].is_array())
    throw Error(source + ": no \"result\" array", "expected the answer of /api/v1/query_range");
  std::vector<LabeledPoints> out;
  for (const auto& r : (*data)["result"]) {
    LabeledPoints lp;
    if (r.contains("metric") && r["metric"].is_object())
      for (const auto& [k, v] : r["metric"].items())
        if (v.is_string()) lp.labels[k] = v.get<std::string>();
    if (type == "matrix") {
      if (r.contains("values") && r["values"].is_array()) {
        lp.points.reserve(r["values"].size());
        for (const auto& pair : r["values"]) lp.points.push_back(parse_pair(pair, source));
      }
    } else if (r.contains("value")) {
      lp.points.push_back(parse_pair(r["value"], source));
    }
    out.push_back(std::move(lp));
  }
  return out;
}

std::vector<Point> sum_series(const std::vector<LabeledPoints>& series) {
  if (series.size() == 1) {
    std::vector<Point> out = series.front().points;
    for (auto& p : out)
      if (!std::isfinite(p.value)) p.value = std::numeric_limits<double>::quiet_NaN();
    return out;
  }
  std::vector<Point> all;
  std::size_t total = 0;
  for (const auto& s : series) total += s.points.size();
  all.reserve(total);
  for (const auto& s : series) all.insert(all.end(), s.points.begin(), s.points.end());
  std::stable_sort(all.begin(), all.end(), [](const Point& a, const Point& b) { return a.timestamp < b.timestamp; });
  std::vector<Point> out;
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i;
    double sum = 0;
    bool any = false;
    for (; j < all.size() && all[j].timestamp == all[i].timestamp; ++j)
      if (std::isfinite(all[j].value)) sum += all[j].value, any = true;
    out.push_back({all[i].timestamp, any ? sum : std::numeric_limits<double>::quiet_NaN()});
    i = j;
  }
  return out;
}

std::map<std::string, std::vector<Point>> group_by_label(const std::vector<LabeledPoints>& series,
                                                         const std::string& label) {
  std::map<std::string, std::vector<LabeledPoints>> groups;
  for (const auto& s : series) {
    auto it = s.labels.find(label);
    groups[it == s.labels.end() ? std::string() : it->second].push_back(s);
  }
  std::map<std::string, std::vector<Point>> out;
  for (const auto& [value, members] : groups) out[value] = sum_series(members);
  return out;
}

std::vector<LabeledPoints> fetch_query_range(const PrometheusQuery& q) {
  if (q.url.empty()) throw UsageError("--prometheus URL is empty", "e.g. --prometheus http://127.0.0.1:9090");
  if (q.query.empty()) throw UsageError("--query is empty", "pass a PromQL expression, e.g. --query 'sum(rate(http_requests_total[1m]))'");
  if (q.step <= 0) throw UsageError("--step must be positive");
  if (q.end < q.start) throw UsageError("the query range ends before it starts", "check --range and --end");
  std::string base = q.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string endpoint = base + "/api/v1/query_range";
  const std::int64_t per_chunk = static_cast<std::int64_t>(std::max<std::size_t>(1, q.max_points_per_request));

  std::vector<LabeledPoints> merged;
  std::map<std::string, std::size_t> index;  // label set -> position in merged
  std::size_t requests = 0;
  for (std::int64_t chunk_start = q.start; chunk_start <= q.end;) {
    std::int64_t chunk_end = std::min(q.end, chunk_start + (per_chunk - 1) * q.step);
    std::string form = fmt::format("query={}&start={}&end={}&step={}", url_encode(q.query), chunk_start, chunk_end, q.step);
    log::debug("prometheus: query_range {} .. {} step {}s", chunk_start, chunk_end, q.step);
    HttpAnswer answer = post_form(q, endpoint, form);
    check_status(answer, q);
    ++requests;
    auto part = parse_query_range(answer.body, "Prometheus at " + redact_url(q.url));
    for (auto& s : part) {
      auto key = label_key(s.labels);
      auto [it, inserted] = index.emplace(key, merged.size());
      if (inserted) {
        merged.push_back(std::move(s));
      } else {
        auto& dst = merged[it->second].points;
        dst.insert(dst.end(), s.points.begin(), s.points.end());
      }
    }
    chunk_start = chunk_end + q.step;
  }
  log::debug("prometheus: {} request(s), {} series", requests, merged.size());
  if (merged.empty())
    throw Error(fmt::format("Prometheus at {} returned no series for query '{}' between {} and {}", redact_url(q.url),
                            q.query, iso_time(q.start), iso_time(q.end)),
                "check the metric name and labels, and that --range/--end cover when it was scraped");
  return merged;
}

}  // namespace coldstart::predict
