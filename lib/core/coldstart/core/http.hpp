// The one HTTP client of coldstart, on libcurl: registries, token realms and Prometheus all use it.
// Every request has a connect timeout and a low-speed timeout (it never hangs) and optionally a
// total deadline, verifies TLS unless told otherwise, honours HTTPS_PROXY/NO_PROXY from the
// environment (libcurl), follows redirects itself under the credential rule of http_policy.hpp, and
// retries transient failures (connection errors, 408, 429, 5xx) with exponential backoff + jitter,
// honouring Retry-After.
// Safe to call from several threads at once: easy handles come from a process-wide pool (so
// keep-alive connections are reused across requests and threads) and share one DNS cache and TLS
// session cache (CURLSH, with locks).
#pragma once
#include <cstddef>
#include <ctime>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "coldstart/core/error.hpp"

namespace coldstart::http {

struct Header {
  std::string name;
  std::string value;
};
using Headers = std::vector<Header>;

struct Request {
  std::string method = "GET";  // GET, HEAD or POST
  std::string url;
  Headers headers;
  std::string body;  // POST body
  std::string content_type;  // POST body type
  bool verify_tls = true;
  std::string ca_cert;  // extra CA bundle (PEM file); empty = system store
  double connect_timeout_seconds = 10;
  // Abort when slower than low_speed_bytes_per_second for low_speed_timeout_seconds: a registry
  // that drips a byte a second is as good as stalled (a 1 byte/s floor never fires on it).
  double low_speed_timeout_seconds = 30;
  long low_speed_bytes_per_second = 1024;
  std::size_t max_body_bytes = 4 * 1024 * 1024;  // cap on a buffered (non-streamed) body
  int max_retries = 4;
  int max_redirects = 10;  // 0: redirects are not followed, the 3xx answer is returned
  // Total time for all attempts, retries, back-offs and redirects of this request; 0 = none.
  double deadline_seconds = 0;
  // For long streams: the deadline then covers connecting, retries and waiting for the response
  // headers, while the body is bounded by the low-speed rule only, so a healthy multi-GB
  // download is never cut off.
  bool deadline_excludes_body = false;
  // Authorities ("host:port") whose TLS is not verified when a cross-origin redirect leads there;
  // `verify_tls` applies to the origin of `url` only (credential rule 3).
  std::set<std::string> insecure_hosts;
  bool accept_compressed = false;      // Accept-Encoding: gzip etc., decoded before the sink
  std::size_t receive_buffer_bytes = 0;  // curl's receive buffer (chunk size to the sink); 0 = default
  // Called with each response's status and headers before its first body byte (and for
  // bodiless responses at the end), e.g. to learn whether a Range request got 206 or 200.
  std::function<void(long status, const Headers& headers)> on_headers;
};

struct Response {
  long status = 0;
  Headers headers;   // of the final response
  std::string body;  // buffered body: always for non-2xx, for 2xx only when no sink was given
  std::string url;   // the final URL after redirects
  // First header with this name (case-insensitive).
  std::optional<std::string> header(std::string_view name) const;
  // All values of a header (e.g. several WWW-Authenticate or Link lines).
  std::vector<std::string> header_values(std::string_view name) const;
};

// Receives the bytes of a 2xx body as they arrive; throw to abort the transfer.
using BodySink = std::function<void(std::string_view)>;

// The request never got an HTTP answer (refused, DNS, TLS, timeout...).
class TransportError : public Error {
 public:
  enum class Kind { connect, resolve, tls_handshake, tls_verify, timeout, other };
  TransportError(Kind kind, std::string host, std::string detail);
  Kind kind() const { return kind_; }
  const std::string& host() const { return host_; }
  const std::string& detail() const { return detail_; }

 private:
  Kind kind_;
  std::string host_;
  std::string detail_;
};

// Sends a request: follows redirects under the credential rule (http_policy.hpp) and retries
// transient failures. A transfer that already delivered bytes to `sink` is not retried. Each
// chunk reaches `sink` as a view of curl's own buffer, valid only during the call.
// Throws TransportError when no answer came (kind timeout when the deadline passed), Error when a
// buffered body exceeds the cap or a redirect is refused.
Response send(const Request& request, const BodySink& sink = nullptr);

// ---- pieces, exposed for tests ----

// Retry-After: delta-seconds ("120") or an HTTP date ("Wed, 21 Oct 2015 07:28:00 GMT"),
// as seconds to wait from `now` (never negative). nullopt when unparseable.
std::optional<double> parse_retry_after(std::string_view value, std::time_t now);
// 408, 429 and 5xx are worth another try.
bool is_retryable_status(long status);
// Delay before retry number `attempt` (0-based): exponential from `base` with full jitter
// (`random01` in [0,1)), capped; a Retry-After value wins when present (capped at `cap`).
double backoff_delay(int attempt, std::optional<double> retry_after, double random01, double base = 0.5,
                     double cap = 30);
// Resolves a Location header against the URL that answered it.
std::string resolve_location(std::string_view base_url, std::string_view location);
// "https://Host:5000/v2/" -> "host:5000" (lowercase authority without userinfo).
std::string url_authority(std::string_view url);
// Percent-encodes a query parameter value.
std::string url_encode(std::string_view value);
// "Basic base64(user:password)" for an Authorization header.
std::string basic_authorization(std::string_view username, std::string_view password);
// Header as it may appear in debug logs: secrets (Authorization, cookies) redacted.
std::string redacted(const Header& header);

}  // namespace coldstart::http
