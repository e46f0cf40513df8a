#include "coldstart/predict/prometheus.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <mutex>

#include "coldstart/core/error.hpp"
#include "coldstart/core/http.hpp"
#include "coldstart/core/log.hpp"
#include "coldstart/predict/timestamp.hpp"

namespace coldstart::predict {
namespace {

using nlohmann::json;

// Streams a query_range answer through nlohmann's SAX interface: no DOM, so a 1M-sample export
// costs one pass over the text instead of a tree of a million small JSON values.
class QueryRangeSax : public nlohmann::json_sax<json> {
 public:
  explicit QueryRangeSax(const std::string& source) : source_(source) {}

  std::string status, error_type, error, result_type;
  bool has_status = false, has_data = false, has_result = false, root_is_object = false;
  std::vector<LabeledPoints> series;
  std::string parse_error_text;

  bool null() override { return scalar(Scalar::other, {}, 0); }
  bool boolean(bool) override { return scalar(Scalar::other, {}, 0); }
  bool number_integer(number_integer_t v) override { return scalar(Scalar::number, {}, static_cast<double>(v)); }
  bool number_unsigned(number_unsigned_t v) override { return scalar(Scalar::number, {}, static_cast<double>(v)); }
  bool number_float(number_float_t v, const string_t&) override { return scalar(Scalar::number, {}, v); }
  bool string(string_t& v) override { return scalar(Scalar::string, v, 0); }
  bool binary(binary_t&) override { return scalar(Scalar::other, {}, 0); }

  bool start_object(std::size_t) override {
    Role role = child_role();
    if (stack_.empty()) root_is_object = true;
    if (role == Role::result_item) series.emplace_back();
    if (role == Role::data) has_data = true;
    stack_.push_back({false, role, {}, 0});
    return true;
  }
  bool end_object() override { return end_container(); }
  bool start_array(std::size_t) override {
    Role role = child_role();
    if (role == Role::result) has_result = true;
    if (role == Role::sample) pending_ = {};
    stack_.push_back({true, role, {}, 0});
    return true;
  }
  bool end_array() override {
    if (stack_.back().role == Role::sample) {
      if (stack_.back().index != 2 || !pending_.has_time || !pending_.has_value)
        return fail("a sample is not a [timestamp, \"value\"] pair");
      if (!(std::fabs(pending_.time) <= kMaxUnixSeconds))
        return fail(fmt::format("sample timestamp {} is not unix seconds", pending_.time));
      series.back().points.push_back({static_cast<std::int64_t>(std::llround(pending_.time)), pending_.value});
    }
    return end_container();
  }
  bool key(string_t& k) override {
    stack_.back().key = k;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) override {
    parse_error_text = fmt::format("not valid JSON (byte {}): {}", position, e.what());
    return false;
  }

  std::string failure;  // a semantic error found while streaming

 private:
  enum class Role { root, data, result, result_item, metric, samples, sample, single_sample, other };
  enum class Scalar { number, string, other };
  struct Frame {
    bool is_array;
    Role role;
    std::string key;    // objects: the current key
    std::size_t index;  // arrays: the current element
  };
  struct Pending {
    double time = 0, value = 0;
    bool has_time = false, has_value = false;
  };

  // What the next value (a child of the top frame) is.
  Role child_role() const {
    if (stack_.empty()) return Role::root;
    const Frame& top = stack_.back();
    switch (top.role) {
      case Role::root:
        if (top.key == "data") return Role::data;
        if (top.key == "result") return Role::result;  // a bare data object
        return Role::other;
      case Role::data: return top.key == "result" ? Role::result : Role::other;
      case Role::result: return Role::result_item;
      case Role::result_item:
        if (top.key == "metric") return Role::metric;
        if (top.key == "values") return Role::samples;
        if (top.key == "value") return Role::sample;
        return Role::other;
      case Role::samples: return Role::sample;
      default: return Role::other;
    }
  }

  bool end_container() {
    stack_.pop_back();
    if (!stack_.empty() && stack_.back().is_array) ++stack_.back().index;
    return true;
  }

  bool fail(std::string message) {
    failure = std::move(message);
    return false;
  }

  bool scalar(Scalar kind, const std::string& s, double number) {
    if (stack_.empty()) return true;  // a bare scalar document: reported as "not an object"
    Frame& top = stack_.back();
    switch (top.role) {
      case Role::root:
      case Role::data:
        if (kind == Scalar::string) {
          if (top.role == Role::root && top.key == "status") status = s, has_status = true;
          else if (top.role == Role::root && top.key == "errorType") error_type = s;
          else if (top.role == Role::root && top.key == "error") error = s;
          else if (top.key == "resultType") result_type = s;
        }
        break;
      case Role::metric:
        if (kind == Scalar::string) series.back().labels[top.key] = s;
        break;
      case Role::samples: return fail("a sample is not a [timestamp, \"value\"] pair");
      case Role::sample:
        if (top.index == 0) {
          if (kind == Scalar::number) pending_.time = number, pending_.has_time = true;
          else if (kind == Scalar::string) pending_.time = std::strtod(s.c_str(), nullptr), pending_.has_time = true;
          else return fail("a sample timestamp is not a number");
        } else if (top.index == 1) {
          if (kind == Scalar::number) {
            pending_.value = number;
          } else if (kind == Scalar::string) {
            // strtod reads Prometheus' "NaN", "+Inf", "-Inf" as well as numbers.
            char* end = nullptr;
            pending_.value = std::strtod(s.c_str(), &end);
            if (s.empty() || end != s.c_str() + s.size()) return fail(fmt::format("sample value '{}' is not a number", s));
          } else {
            return fail("a sample value is neither a string nor a number");
          }
          pending_.has_value = true;
        }
        break;
      default: break;
    }
    if (top.is_array) ++top.index;
    return true;
  }

  const std::string& source_;
  std::vector<Frame> stack_;
  Pending pending_;
};

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
  http::Request req;
  req.method = "POST";
  req.url = endpoint;
  req.body = form;
  req.content_type = "application/x-www-form-urlencoded";
  req.headers.push_back({"Accept", "application/json"});
  if (!q.bearer_token.empty())
    req.headers.push_back({"Authorization", "Bearer " + q.bearer_token});
  else if (!q.username.empty())
    req.headers.push_back({"Authorization", http::basic_authorization(q.username, q.password)});
  req.verify_tls = q.verify_tls;
  req.ca_cert = q.ca_cert;
  req.max_retries = q.max_retries;
  req.deadline_seconds = q.timeout_seconds;
  req.max_body_bytes = q.max_body_bytes;
  req.accept_compressed = true;  // gzip: range answers compress ~10x
  // Redirects are not followed: the answer is reported and the user passes the final URL.
  req.max_redirects = 0;
  std::string where = redact_url(q.url);
  http::Response r;
  try {
    r = http::send(req);
  } catch (const http::TransportError& e) {
    using K = http::TransportError::Kind;
    switch (e.kind()) {
      case K::connect:
        throw Error(fmt::format("cannot connect to Prometheus at {}: {}", where, e.detail()), "is it running? check --prometheus");
      case K::resolve:
        throw Error(fmt::format("cannot resolve the host of Prometheus URL {}: {}", where, e.detail()), "check --prometheus");
      case K::timeout:
        throw Error(fmt::format("Prometheus at {} did not answer within {}s: {}", where, q.timeout_seconds, e.detail()),
                    "try a shorter --range or a larger --step, or a longer --timeout");
      case K::tls_verify:
        throw Error(fmt::format("TLS certificate of Prometheus at {} is not trusted: {}", where, e.detail()),
                    "pass its CA with --ca-cert FILE, or skip verification with --insecure " + http::url_authority(q.url));
      case K::tls_handshake:
        throw Error(fmt::format("TLS handshake with Prometheus at {} failed: {}", where, e.detail()),
                    "use http:// if it serves plain HTTP");
      default:
        throw Error(fmt::format("request to Prometheus at {} failed: {}", where, e.detail()), "check --prometheus and the network");
    }
  } catch (const Error& e) {
    if (std::string_view(e.what()).find("-byte limit") != std::string_view::npos)
      throw Error(fmt::format("Prometheus at {} answered more than {} bytes for query '{}'", where, q.max_body_bytes, q.query),
                  "select fewer series in --query, or use a larger --step");
    throw;
  }
  HttpAnswer answer;
  answer.status = r.status;
  answer.body = std::move(r.body);
  answer.location = r.header("Location").value_or("");
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

}  // namespace

std::vector<LabeledPoints> parse_query_range(std::string_view json_text, const std::string& source) {
  QueryRangeSax sax(source);
  if (!json::sax_parse(json_text.begin(), json_text.end(), &sax)) {
    if (!sax.failure.empty()) throw Error(source + ": " + sax.failure, "is this a Prometheus query_range answer?");
    throw Error(source + ": " + sax.parse_error_text, "expected the answer of /api/v1/query_range");
  }
  if (!sax.root_is_object) throw Error(source + ": expected a JSON object", "expected the answer of /api/v1/query_range");
  if (sax.has_status && sax.status != "success")
    throw Error(fmt::format("{}: Prometheus reported status {}{}{}", source, sax.status,
                            sax.error_type.empty() ? "" : " (" + sax.error_type + ")", sax.error.empty() ? "" : ": " + sax.error),
                "fix the query that produced it");
  if (sax.has_status && !sax.has_data)
    throw Error(source + ": no \"data\" object", "expected the answer of /api/v1/query_range");
  if (sax.result_type != "matrix" && sax.result_type != "vector")
    throw Error(fmt::format("{}: result type '{}' is not a matrix", source, sax.result_type),
                "export a range query (/api/v1/query_range), not a scalar or string");
  if (!sax.has_result) throw Error(source + ": no \"result\" array", "expected the answer of /api/v1/query_range");
  return std::move(sax.series);
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
  if (!q.url.starts_with("http://") && !q.url.starts_with("https://"))
    throw UsageError(fmt::format("invalid Prometheus URL {}", redact_url(q.url)), "use http://HOST:PORT or https://HOST:PORT");
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
    std::string form = fmt::format("query={}&start={}&end={}&step={}", http::url_encode(q.query), chunk_start, chunk_end, q.step);
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
                            q.query, format_iso_time(q.start), format_iso_time(q.end)),
                "check the metric name and labels, and that --range/--end cover when it was scraped");
  return merged;
}

}  // namespace coldstart::predict
