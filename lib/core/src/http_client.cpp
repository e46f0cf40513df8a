// The libcurl side of the HTTP client: one attempt, retries, manual redirects.
#include <curl/curl.h>
#include <fmt/format.h>

#include <strings.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include "coldstart/core/http.hpp"
#include "coldstart/core/log.hpp"

namespace coldstart::http {

TransportError::TransportError(Kind kind, std::string host, std::string detail)
    : Error([&] {
        switch (kind) {
          case Kind::connect: return fmt::format("cannot connect to {}: {}", host, detail);
          case Kind::resolve: return fmt::format("cannot resolve {}: {}", host, detail);
          case Kind::tls_handshake: return fmt::format("TLS handshake with {} failed: {}", host, detail);
          case Kind::tls_verify: return fmt::format("TLS certificate of {} is not trusted: {}", host, detail);
          case Kind::timeout: return fmt::format("{} timed out: {}", host, detail);
          default: return fmt::format("request to {} failed: {}", host, detail);
        }
      }()),
      kind_(kind),
      host_(std::move(host)),
      detail_(std::move(detail)) {}

namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// One easy handle per thread: requests on it reuse connections; nested use gets a fresh one.
struct Handle {
  CURL* curl = nullptr;
  bool busy = false;
  Handle() {
    global_init();
    curl = curl_easy_init();
  }
  ~Handle() {
    if (curl) curl_easy_cleanup(curl);
  }
};

struct Transfer {
  CURL* curl = nullptr;
  const Request* request = nullptr;
  const BodySink* sink = nullptr;
  std::size_t cap = 0;
  Response* response = nullptr;
  bool status_known = false;
  bool to_sink = false;
  bool delivered = false;  // bytes reached the sink: the attempt cannot be repeated
  std::exception_ptr error;
  std::string url;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t len = size * count;
  try {
    if (!t->status_known) {
      long code = 0;
      curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
      t->to_sink = t->sink && *t->sink && code >= 200 && code < 300;
      t->status_known = true;
      if (t->request->on_headers) t->request->on_headers(code, t->response->headers);
    }
    if (t->to_sink) {
      t->delivered = true;
      (*t->sink)(std::string_view(data, len));
    } else {
      if (t->response->body.size() + len > t->cap)
        throw Error(fmt::format("response from {} is larger than the {}-byte limit", t->url, t->cap),
                    "the server sent more than a document of this kind should hold");
      t->response->body.append(data, len);
    }
    return len;
  } catch (...) {
    t->error = std::current_exception();
    return 0;  // makes curl abort the transfer
  }
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t len = size * count;
  std::string_view line(data, len);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {
    t->response->headers.clear();  // a new response (e.g. after 100 Continue)
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    t->response->headers.push_back({std::string(line.substr(0, colon)), std::string(value)});
  }
  return len;
}

TransportError::Kind classify(CURLcode code) {
  using K = TransportError::Kind;
  switch (code) {
    case CURLE_COULDNT_CONNECT: return K::connect;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return K::resolve;
    case CURLE_OPERATION_TIMEDOUT: return K::timeout;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR: return K::tls_verify;
    case CURLE_SSL_CONNECT_ERROR: return K::tls_handshake;
    default: return K::other;
  }
}

bool is_retryable(TransportError::Kind kind) {
  using K = TransportError::Kind;
  return kind == K::connect || kind == K::timeout || kind == K::other;
}

// One HTTP exchange, no redirects, no retries.
Response perform_once(const Request& request, const BodySink& sink, bool& delivered) {
  thread_local Handle shared;
  Handle* handle = &shared;
  std::unique_ptr<Handle> fresh;
  if (shared.busy) {
    fresh = std::make_unique<Handle>();
    handle = fresh.get();
  }
  CURL* curl = handle->curl;
  if (!curl) throw Error("cannot initialise libcurl");
  handle->busy = true;
  struct Release {
    Handle* h;
    ~Release() { h->busy = false; }
  } release{handle};

  curl_easy_reset(curl);
  Response response;
  Transfer t;
  t.curl = curl;
  t.request = &request;
  t.sink = &sink;
  t.cap = request.max_body_bytes;
  t.response = &response;
  t.url = request.url;
  char errbuf[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);  // redirects are ours: see send()
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "coldstart");
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout_seconds * 1000));
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, std::max(1L, static_cast<long>(request.low_speed_timeout_seconds)));
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, request.verify_tls ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, request.verify_tls ? 2L : 0L);
  if (!request.ca_cert.empty()) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, request.ca_cert.c_str());
    // Keep trusting the system store too: --ca-cert adds a CA, it does not replace them.
    std::error_code ec;
    if (std::filesystem::is_directory("/etc/ssl/certs", ec)) curl_easy_setopt(curl, CURLOPT_CAPATH, "/etc/ssl/certs");
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(curl, CURLOPT_COPYPOSTFIELDS, request.body.c_str());
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  // Proxies: libcurl reads HTTPS_PROXY/https_proxy/NO_PROXY itself as long as CURLOPT_PROXY is unset.

  struct curl_slist* list = nullptr;
  for (const auto& h : request.headers) list = curl_slist_append(list, (h.name + ": " + h.value).c_str());
  if (request.method == "POST" && !request.content_type.empty())
    list = curl_slist_append(list, ("Content-Type: " + request.content_type).c_str());
  list = curl_slist_append(list, "Expect:");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  struct FreeList {
    curl_slist* l;
    ~FreeList() { curl_slist_free_all(l); }
  } free_list{list};

  if (log::level() >= log::Level::debug) {
    log::debug("http: {} {}", request.method, request.url);
    for (const auto& h : request.headers) log::debug("http:   {}", redacted(h));
  }

  errno = 0;
  CURLcode code = curl_easy_perform(curl);
  delivered = t.delivered;
  if (t.error) std::rethrow_exception(t.error);
  if (code != CURLE_OK) {
    long os_errno = 0;
    curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
    auto kind = classify(code);
    std::string detail = errbuf[0] ? errbuf : curl_easy_strerror(code);
    if (kind == TransportError::Kind::connect && os_errno != 0) detail = std::strerror(static_cast<int>(os_errno));
    throw TransportError(kind, url_authority(request.url), detail);
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  response.url = request.url;
  if (!t.status_known && request.on_headers) request.on_headers(response.status, response.headers);
  log::debug("http: {} {} -> {}", request.method, request.url, response.status);
  return response;
}

double random01() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

void sleep_seconds(double seconds) {
  std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<long long>(seconds * 1000)));
}

Response perform_with_retries(const Request& request, const BodySink& sink) {
  for (int attempt = 0;; ++attempt) {
    bool delivered = false;
    std::optional<double> retry_after;
    try {
      Response r = perform_once(request, sink, delivered);
      if (!is_retryable_status(r.status) || attempt >= request.max_retries) return r;
      if (auto value = r.header("Retry-After")) retry_after = parse_retry_after(*value, std::time(nullptr));
      double delay = backoff_delay(attempt, retry_after, random01());
      log::debug("http: {} {} answered {}; retry {}/{} in {:.2f}s", request.method, request.url, r.status,
                 attempt + 1, request.max_retries, delay);
      sleep_seconds(delay);
    } catch (const TransportError& e) {
      if (delivered || !is_retryable(e.kind()) || attempt >= request.max_retries) throw;
      double delay = backoff_delay(attempt, std::nullopt, random01());
      log::debug("http: {} {} failed ({}); retry {}/{} in {:.2f}s", request.method, request.url, e.what(),
                 attempt + 1, request.max_retries, delay);
      sleep_seconds(delay);
    }
  }
}

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::string scheme_of(std::string_view url) {
  auto p = url.find("://");
  return p == std::string_view::npos ? "" : std::string(url.substr(0, p));
}

}  // namespace

Response send(const Request& request, const BodySink& sink) {
  Request current = request;
  for (int hop = 0;; ++hop) {
    Response r = perform_with_retries(current, sink);
    auto location = r.header("Location");
    if (!is_redirect(r.status) || !location) return r;
    if (hop >= request.max_redirects)
      throw Error(fmt::format("too many redirects from {}", request.url), "the server redirects in a loop");
    std::string next = resolve_location(current.url, *location);
    bool same_origin = url_authority(next) == url_authority(current.url) && scheme_of(next) == scheme_of(current.url);
    if (!same_origin) {
      // Blob storage (S3, CDNs) gets a pre-signed URL; our registry credentials must not follow.
      std::erase_if(current.headers, [](const Header& h) {
        return strcasecmp(h.name.c_str(), "Authorization") == 0 || strcasecmp(h.name.c_str(), "Cookie") == 0;
      });
    }
    if (r.status == 303 || ((r.status == 301 || r.status == 302) && current.method == "POST")) {
      current.method = "GET";
      current.body.clear();
    }
    log::debug("http: redirected to {}", next);
    current.url = next;
  }
}

}  // namespace coldstart::http
