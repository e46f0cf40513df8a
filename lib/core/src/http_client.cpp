// The libcurl side of the HTTP client: one attempt, retries, manual redirects.
#include <curl/curl.h>
#include <fmt/format.h>

#include <strings.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include "coldstart/core/deadline.hpp"
#include "coldstart/core/http.hpp"
#include "coldstart/core/http_policy.hpp"
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

// Easy handles are pooled process-wide: a handle keeps its connection cache, so a request made
// on a pooled handle reuses the keep-alive connection an earlier request (on any thread) left.
// All handles share one DNS cache and one TLS session cache (CURLSH with a lock per data kind).
// The connection cache itself is not put in the share: libcurl documents sharing it across
// concurrent threads as unsafe (known bug 11.11, curl/curl#4915).
class HandlePool {
 public:
  static HandlePool& instance() {
    static HandlePool* pool = new HandlePool;  // never destroyed: worker threads may outlive main
    return *pool;
  }

  CURL* acquire() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        CURL* c = idle_.back();
        idle_.pop_back();
        return c;
      }
    }
    return curl_easy_init();
  }

  void release(CURL* curl) {
    std::lock_guard lock(mutex_);
    if (idle_.size() < kMaxIdle) {
      idle_.push_back(curl);
      return;
    }
    curl_easy_cleanup(curl);
  }

  CURLSH* share() const { return share_; }

 private:
  static constexpr std::size_t kMaxIdle = 16;

  HandlePool() {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    share_ = curl_share_init();
    if (!share_) return;
    curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, lock);
    curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, unlock);
    curl_share_setopt(share_, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  }

  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<HandlePool*>(user)->locks_[data].lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* user) { static_cast<HandlePool*>(user)->locks_[data].unlock(); }

  CURLSH* share_ = nullptr;
  std::mutex locks_[CURL_LOCK_DATA_LAST];
  std::mutex mutex_;
  std::vector<CURL*> idle_;
};

// A handle borrowed from the pool for one exchange.
struct PooledHandle {
  CURL* curl = HandlePool::instance().acquire();
  PooledHandle() = default;
  PooledHandle(const PooledHandle&) = delete;
  PooledHandle& operator=(const PooledHandle&) = delete;
  ~PooledHandle() {
    if (curl) HandlePool::instance().release(curl);
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
  bool got_status_line = false;
  const Deadline* deadline = nullptr;
  bool deadline_hit = false;
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
      (*t->sink)(std::string_view(data, len));  // curl's buffer itself: no copy here
    } else {
      if (t->response->body.size() + len > t->cap)
        throw Error(fmt::format("response from {} is larger than the {}-byte limit", url_authority(t->url), t->cap),
                    "the server sent more than a document of this kind should hold; for an image manifest or "
                    "config, --max-document-size SIZE raises the limit");
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
    t->got_status_line = true;
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    t->response->headers.push_back({std::string(line.substr(0, colon)), std::string(value)});
  }
  return len;
}

// With deadline_excludes_body: aborts while no response has started once the deadline passed.
int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (!t->got_status_line && t->deadline->expired()) {
    t->deadline_hit = true;
    return 1;
  }
  return 0;
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

TransportError deadline_error(const Request& request, const Deadline& deadline) {
  return TransportError(TransportError::Kind::timeout, url_authority(request.url),
                        fmt::format("no complete answer within the {:g}s deadline", deadline.total_seconds()));
}

long to_ms(double seconds) { return std::max(1L, static_cast<long>(seconds * 1000)); }

// One HTTP exchange, no redirects, no retries.
Response perform_once(const Request& request, const BodySink& sink, const Deadline& deadline, bool& delivered) {
  if (deadline.expired()) throw deadline_error(request, deadline);
  PooledHandle handle;
  CURL* curl = handle.curl;
  if (!curl) throw Error("cannot initialise libcurl");

  curl_easy_reset(curl);
  Response response;
  Transfer t;
  t.curl = curl;
  t.request = &request;
  t.sink = &sink;
  t.cap = request.max_body_bytes;
  t.response = &response;
  t.url = request.url;
  t.deadline = &deadline;
  char errbuf[CURL_ERROR_SIZE] = {0};

  if (CURLSH* share = HandlePool::instance().share()) curl_easy_setopt(curl, CURLOPT_SHARE, share);
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);  // redirects are ours: see send()
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "coldstart");
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, to_ms(deadline.cap(request.connect_timeout_seconds)));
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, std::max(1L, request.low_speed_bytes_per_second));
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, std::max(1L, static_cast<long>(request.low_speed_timeout_seconds)));
  if (!deadline.unlimited()) {
    if (request.deadline_excludes_body) {
      curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
      curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
      curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    } else {
      curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, to_ms(deadline.remaining()));
    }
  }
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, request.verify_tls ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, request.verify_tls ? 2L : 0L);
  if (!request.ca_cert.empty()) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, request.ca_cert.c_str());
    // Keep trusting the system store too: --ca-cert adds a CA, it does not replace them.
    std::error_code ec;
    if (std::filesystem::is_directory("/etc/ssl/certs", ec)) curl_easy_setopt(curl, CURLOPT_CAPATH, "/etc/ssl/certs");
  }
  if (request.accept_compressed) curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
  if (request.receive_buffer_bytes > 0)
    curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, static_cast<long>(request.receive_buffer_bytes));
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
    CURL* c;
    curl_slist* l;
    ~FreeList() {
      curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);  // the pooled handle must not keep a dangling list
      curl_slist_free_all(l);
    }
  } free_list{curl, list};

  if (log::level() >= log::Level::debug) {
    log::debug("http: {} {}", request.method, request.url);
    for (const auto& h : request.headers) log::debug("http:   {}", redacted(h));
  }

  errno = 0;
  CURLcode code = curl_easy_perform(curl);
  delivered = t.delivered;
  if (t.error) std::rethrow_exception(t.error);
  if (t.deadline_hit || (code == CURLE_OPERATION_TIMEDOUT && !deadline.unlimited() && deadline.expired()))
    throw deadline_error(request, deadline);
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

Response perform_with_retries(const Request& request, const BodySink& sink, const Deadline& deadline) {
  for (int attempt = 0;; ++attempt) {
    bool delivered = false;
    std::optional<double> retry_after;
    try {
      Response r = perform_once(request, sink, deadline, delivered);
      if (!is_retryable_status(r.status) || attempt >= request.max_retries) return r;
      if (auto value = r.header("Retry-After")) retry_after = parse_retry_after(*value, std::time(nullptr));
      double delay = backoff_delay(attempt, retry_after, random01());
      if (!deadline.allows_wait(delay)) return r;  // no time left for another try: this answer stands
      log::debug("http: {} {} answered {}; retry {}/{} in {:.2f}s", request.method, request.url, r.status,
                 attempt + 1, request.max_retries, delay);
      sleep_seconds(delay);
    } catch (const TransportError& e) {
      if (delivered || !is_retryable(e.kind()) || attempt >= request.max_retries) throw;
      double delay = backoff_delay(attempt, std::nullopt, random01());
      if (!deadline.allows_wait(delay)) {
        if (e.kind() == TransportError::Kind::timeout) throw deadline_error(request, deadline);
        throw;
      }
      log::debug("http: {} {} failed ({}); retry {}/{} in {:.2f}s", request.method, request.url, e.what(),
                 attempt + 1, request.max_retries, delay);
      sleep_seconds(delay);
    }
  }
}

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

Response send(const Request& request, const BodySink& sink) {
  const Deadline deadline = Deadline::after(request.deadline_seconds);
  Request current = request;
  for (int hop = 0;; ++hop) {
    Response r = perform_with_retries(current, sink, deadline);
    auto location = r.header("Location");
    if (!is_redirect(r.status) || !location || request.max_redirects <= 0) return r;
    if (hop >= request.max_redirects)
      throw Error(fmt::format("too many redirects from {}", request.url), "the server redirects in a loop");
    std::string next = resolve_location(current.url, *location);
    bool same = same_origin(next, current.url);
    // The credential rule (http_policy.hpp) decides what travels with the redirect.
    RedirectDecision d = decide_redirect(r.status, current.method, !current.body.empty(), same);
    if (!d.follow)
      throw Error(fmt::format("{} redirected a request carrying credentials to another origin, {}: {}",
                              url_authority(current.url), url_authority(next), d.refusal),
                  "coldstart does not send credentials across origins; configure the server to use the final URL");
    if (!d.keep_credentials)
      std::erase_if(current.headers, [](const Header& h) { return is_credential_header(h.name); });
    if (!same) current.verify_tls = verifies_tls(next, request.insecure_hosts);
    current.method = d.method;
    if (!d.keep_body) {
      current.body.clear();
      current.content_type.clear();
    }
    log::debug("http: redirected to {}", next);
    current.url = next;
  }
}

}  // namespace coldstart::http
