#include "coldstart/image/registry_client.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <strings.h>

#include <algorithm>
#include <cstdio>

#include "coldstart/core/digest.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/log.hpp"
#include "coldstart/image/registry_errors.hpp"

namespace coldstart::image {

const char* const kManifestAccept =
    "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json";

namespace {

std::string pull_scope(const std::string& repository) { return "repository:" + repository + ":pull"; }

// Resumes of one blob download: a cut that brought new bytes does not use up the retries (a
// long download may be cut many times on a flaky link), one that brought none does, and so does
// every timeout (a registry dripping a byte a second makes "progress" but is as good as dead);
// kMaxResumes bounds them all, so a server that cuts every answer after a few bytes still ends.
constexpr int kMaxResumes = 32;
class ResumeBudget {
 public:
  explicit ResumeBudget(int retries) : retries_(retries) {}
  // After a cut with `delivered` bytes in total so far: may the download resume?
  bool allow(std::uint64_t delivered, bool timed_out) {
    if (delivered == 0 || ++resumes_ > kMaxResumes) return false;
    stalled_ = delivered > last_ && !timed_out ? 0 : stalled_ + 1;
    last_ = delivered;
    return stalled_ <= retries_;
  }

 private:
  int retries_;
  int resumes_ = 0;
  int stalled_ = 0;
  std::uint64_t last_ = 0;
};

std::string content_type_without_params(std::string value) {
  auto semi = value.find(';');
  if (semi != std::string::npos) value.resize(semi);
  while (!value.empty() && value.back() == ' ') value.pop_back();
  return value;
}

}  // namespace

RegistryClient::RegistryClient(std::string registry, SourceOptions options)
    : registry_(std::move(registry)), options_(std::move(options)) {}

std::string RegistryClient::base_url() const {
  return (options_.plain_http.count(registry_) ? "http://" : "https://") + registry_;
}

http::Request RegistryClient::settings() const {
  http::Request r;
  r.verify_tls = options_.insecure.count(registry_) == 0;
  r.ca_cert = options_.ca_cert;
  r.connect_timeout_seconds = options_.connect_timeout_seconds;
  r.low_speed_timeout_seconds = options_.low_speed_timeout_seconds;
  r.max_retries = options_.max_retries;
  r.insecure_hosts = options_.insecure;  // verify_tls above is for the registry only
  r.deadline_seconds = options_.timeout_seconds;
  if (options_.timeout_seconds > 0)
    r.low_speed_timeout_seconds = std::min(r.low_speed_timeout_seconds, std::max(1.0, options_.timeout_seconds));
  return r;
}

const std::optional<Credentials>& RegistryClient::credentials(const std::string& repository) {
  // Called with mutex_ held. Per repository: podman auth files may hold "registry/namespace" keys.
  auto it = credentials_.find(repository);
  if (it == credentials_.end())
    it = credentials_.emplace(repository, find_credentials(registry_, repository, options_.username, options_.password)).first;
  return it->second;
}

void RegistryClient::authorize(http::Request& req, const std::string& repository, const std::string& scope,
                               bool fresh) {
  std::optional<Challenge> challenge;
  std::optional<Credentials> creds;
  {
    std::lock_guard lock(mutex_);
    if (!challenge_) return;
    challenge = challenge_;
    creds = credentials(repository);
  }
  if (challenge->scheme == "basic") {
    if (!creds || creds->username.empty())
      throw Error(fmt::format("authentication required for {}", registry_),
                  "pass --username and --password-stdin, or run docker login");
    req.headers.push_back({"Authorization", basic_authorization(creds->username, creds->password)});
    return;
  }
  std::optional<std::string> token;
  if (!fresh) token = tokens_.get(scope);
  if (!token) {
    BearerToken t = [&] {
      try {
        return fetch_bearer_token(*challenge, scope, creds, settings(), registry_, options_.plain_http);
      } catch (const http::TransportError& e) {
        throw_transport(e);
      }
    }();
    tokens_.put(scope, t);
    token = t.value;
  }
  req.headers.push_back({"Authorization", "Bearer " + *token});
}

void RegistryClient::throw_transport(const http::TransportError& e) const {
  using K = http::TransportError::Kind;
  std::string who = e.host() == registry_ || e.host().empty() ? "registry " + registry_ : e.host();
  bool plain = options_.plain_http.count(registry_) > 0;
  switch (e.kind()) {
    case K::connect:
      throw Error(fmt::format("cannot connect to {}: {}", who, e.detail()),
                  plain ? "is it running?" : "is it running? use --plain-http for an HTTP registry");
    case K::resolve:
      throw Error(fmt::format("cannot resolve {}: {}", who, e.detail()), "check the registry name and your DNS");
    case K::tls_handshake:
      throw Error(fmt::format("TLS handshake with {} failed: {}", who, e.detail()),
                  "if it serves plain HTTP, use --plain-http " + registry_);
    case K::tls_verify:
      throw Error(fmt::format("TLS certificate of {} is not trusted: {}", who, e.detail()),
                  "pass its CA with --ca-cert FILE, or skip verification with --insecure " + registry_);
    case K::timeout:
      throw Error(fmt::format("{} did not answer in time: {}", who, e.detail()),
                  "is it overloaded? --timeout DURATION sets how long to wait; HTTPS_PROXY and NO_PROXY are honoured");
    default:
      throw Error(fmt::format("request to {} failed: {}", who, e.detail()), "try again; -v shows each request");
  }
}

http::Response RegistryClient::request(const std::string& repository, const Call& call, const http::BodySink& sink) {
  std::string scope = pull_scope(repository);
  http::Response r;
  for (int attempt = 0; attempt < 2; ++attempt) {
    http::Request req = settings();
    req.method = call.method;
    req.url = call.url;
    req.max_body_bytes = call.max_body;
    req.on_headers = call.on_headers;
    if (call.stream) {
      req.deadline_excludes_body = true;
      req.receive_buffer_bytes = 256 * 1024;  // fewer, larger chunks for the stream's reader
    }
    if (!call.accept.empty()) req.headers.push_back({"Accept", call.accept});
    for (const auto& h : call.extra_headers) req.headers.push_back(h);
    authorize(req, repository, scope, attempt > 0);
    try {
      r = http::send(req, sink);
    } catch (const http::TransportError& e) {
      if (call.raw_transport_errors) throw;
      throw_transport(e);
    }
    if (r.status != 401) break;
    bool had_auth = false;
    for (const auto& h : req.headers) had_auth |= h.name == "Authorization";
    auto values = r.header_values("WWW-Authenticate");
    auto challenge = find_challenge(values, "bearer");
    if (!challenge) challenge = find_challenge(values, "basic");
    bool have_credentials;
    {
      std::lock_guard lock(mutex_);
      have_credentials = credentials(repository).has_value();
      if (challenge) challenge_ = challenge;
    }
    if (!challenge || (had_auth && attempt > 0)) {
      if (have_credentials)
        throw Error(fmt::format("authentication failed for {}", registry_),
                    "check --username/--password-stdin or docker login");
      throw Error(fmt::format("authentication required for {}", registry_),
                  "pass --username and --password-stdin, or run docker login");
    }
    if (challenge->scheme == "bearer" && !challenge->param("scope").empty() && repository.empty())
      scope = challenge->param("scope");
    log::debug("registry {} asks for {} authentication", registry_, challenge->scheme);
  }
  if (r.status == 401) {
    std::lock_guard lock(mutex_);
    if (credentials(repository))
      throw Error(fmt::format("authentication failed for {}", registry_), "check --username/--password-stdin or docker login");
    throw Error(fmt::format("authentication required for {}", registry_),
                "pass --username and --password-stdin, or run docker login");
  }
  if (r.status < 200 || r.status >= 300) {
    std::string what = summarize_registry_error(r.status, r.body);
    if (call.method == "HEAD" && r.status == 404) what = "not found";
    throw Error(what, fmt::format("registry {}, {}", registry_, call.subject));
  }
  return r;
}

RegistryClient::Document RegistryClient::get_manifest(const std::string& repository, const std::string& reference) {
  std::string subject = repository + (reference.starts_with("sha256:") ? "@" : ":") + reference;
  if (reference.find(':') != std::string::npos && !reference.starts_with("sha256:"))
    throw Error(fmt::format("unsupported digest algorithm in {}", subject), "coldstart verifies sha256 digests only");
  Call call;
  call.url = base_url() + "/v2/" + repository + "/manifests/" + reference;
  call.accept = kManifestAccept;
  call.max_body = max_document_bytes();
  call.subject = subject;
  auto r = request(repository, call);
  Document d;
  d.bytes = std::move(r.body);
  d.media_type = content_type_without_params(r.header("Content-Type").value_or(""));
  d.digest = sha256_digest(d.bytes);  // never trust Docker-Content-Digest
  if (reference.starts_with("sha256:")) verify_digest(reference, d.digest, "manifest " + subject);
  return d;
}

std::optional<Descriptor> RegistryClient::head_manifest(const std::string& repository, const std::string& reference) {
  std::string subject = repository + (reference.starts_with("sha256:") ? "@" : ":") + reference;
  http::Response r;
  try {
    Call call;
    call.method = "HEAD";
    call.url = base_url() + "/v2/" + repository + "/manifests/" + reference;
    call.accept = kManifestAccept;
    call.subject = subject;
    r = request(repository, call);
  } catch (const Error& e) {
    if (std::string(e.what()).starts_with("not found")) return std::nullopt;
    throw;
  }
  Descriptor d;
  d.media_type = content_type_without_params(r.header("Content-Type").value_or(""));
  d.digest = r.header("Docker-Content-Digest").value_or("");
  d.size = std::stoll(r.header("Content-Length").value_or("0"));
  return d;
}

void RegistryClient::fetch_blob(const std::string& repository, const std::string& digest, const http::BodySink& sink) {
  std::uint64_t delivered = 0;
  ResumeBudget budget(options_.max_retries);
  for (;;) {
    Call call;
    call.url = base_url() + "/v2/" + repository + "/blobs/" + digest;
    call.subject = repository + "@" + digest;
    call.raw_transport_errors = true;
    call.stream = true;
    std::uint64_t skip = 0;
    if (delivered > 0) {
      call.extra_headers.push_back({"Range", fmt::format("bytes={}-", delivered)});
      // A server that ignores Range answers 200 with the whole blob: skip what we already have.
      call.on_headers = [&](long status, const http::Headers&) { skip = status == 200 ? delivered : 0; };
    }
    auto counting = [&](std::string_view chunk) {
      if (skip > 0) {
        auto n = std::min<std::uint64_t>(skip, chunk.size());
        chunk.remove_prefix(n);
        skip -= n;
        if (chunk.empty()) return;
      }
      delivered += chunk.size();
      sink(chunk);
    };
    try {
      request(repository, call, counting);
      return;
    } catch (const http::TransportError& e) {
      using K = http::TransportError::Kind;
      bool transient = e.kind() == K::connect || e.kind() == K::timeout || e.kind() == K::other;
      if (!transient || !budget.allow(delivered, e.kind() == K::timeout)) throw_transport(e);
      log::debug("blob {}@{} cut off after {} bytes ({}); resuming", repository, digest, delivered, e.detail());
    }
  }
}

std::string RegistryClient::get_blob(const std::string& repository, const Descriptor& descriptor, std::size_t limit) {
  std::string subject = repository + "@" + descriptor.digest;
  require_valid_digest(descriptor.digest, "blob of " + repository);
  if (descriptor.size > 0 && static_cast<std::size_t>(descriptor.size) > limit)
    throw Error(fmt::format("blob {} is {} bytes, more than the {}-byte limit", subject, descriptor.size, limit),
                kDocumentLimitHint);
  std::string data;
  Sha256 hash;
  fetch_blob(repository, descriptor.digest, [&](std::string_view chunk) {
    if (data.size() + chunk.size() > limit)
      throw Error(fmt::format("blob {} is larger than the {}-byte limit", subject, limit), "the registry sent too much");
    data.append(chunk);
    hash.update(chunk);
  });
  verify_digest(descriptor.digest, hash.digest(), "blob " + subject);
  if (descriptor.size > 0 && static_cast<std::int64_t>(data.size()) != descriptor.size)
    throw Error(fmt::format("size mismatch for blob {}: expected {} bytes, got {}", subject, descriptor.size, data.size()),
                "the registry content is corrupt");
  return data;
}

std::vector<std::string> RegistryClient::list_tags(const std::string& repository, int page_size) {
  std::vector<std::string> tags;
  std::string url = base_url() + "/v2/" + repository + "/tags/list";
  if (page_size > 0) url += "?n=" + std::to_string(page_size);
  for (int page = 0; !url.empty(); ++page) {
    if (page >= 100000) throw Error(fmt::format("registry {} paginates tags of {} endlessly", registry_, repository));
    Call call;
    call.url = url;
    call.accept = "application/json";
    call.max_body = max_document_bytes();
    call.subject = repository + " tags";
    auto r = request(repository, call);
    auto doc = nlohmann::json::parse(r.body, nullptr, false);
    if (!doc.is_object())
      throw Error(fmt::format("registry {} answered a tags list of {} that is not JSON", registry_, repository));
    if (doc.contains("tags") && doc["tags"].is_array())
      for (const auto& t : doc["tags"])
        if (t.is_string()) tags.push_back(t.get<std::string>());
    std::string next;
    for (const auto& link : r.header_values("Link")) {
      next = next_link(link);
      if (!next.empty()) break;
    }
    url = next.empty() ? "" : http::resolve_location(r.url, next);
  }
  return tags;
}

}  // namespace coldstart::image

namespace coldstart::image {

namespace {

// "bytes 0-99/1234" -> {0, 99}; nullopt when malformed.
std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_content_range(std::string_view value) {
  unsigned long long a = 0, b = 0;
  std::string text(value);
  if (std::sscanf(text.c_str(), "bytes %llu-%llu", &a, &b) != 2) return std::nullopt;
  return std::make_pair(static_cast<std::uint64_t>(a), static_cast<std::uint64_t>(b));
}

// Thrown by the sink to stop a 200 answer once the wanted range has arrived.
struct RangeComplete {};

}  // namespace

bool RegistryClient::fetch_blob_range(const std::string& repository, const std::string& digest, std::uint64_t first,
                                      std::uint64_t last, const http::BodySink& sink,
                                      const std::function<void(bool partial)>& on_start) {
  if (last < first) throw Error(fmt::format("invalid byte range {}-{} for blob {}@{}", first, last, digest, repository));
  const std::uint64_t wanted = last - first + 1;
  std::uint64_t delivered = 0;
  std::optional<bool> partial;  // what the first answer was
  ResumeBudget budget(options_.max_retries);
  for (;;) {
    Call call;
    call.url = base_url() + "/v2/" + repository + "/blobs/" + digest;
    call.subject = repository + "@" + digest;
    call.raw_transport_errors = true;
    call.stream = true;  // --timeout bounds the wait for the answer and stalls, not a big chunk's body
    std::uint64_t skip = 0, from = first + delivered;
    bool whole = false;  // this answer is the whole blob
    if (partial.value_or(true)) call.extra_headers.push_back({"Range", fmt::format("bytes={}-{}", from, last)});
    call.on_headers = [&](long status, const http::Headers& headers) {
      if (status < 200 || status >= 300) return;
      whole = status == 200;
      if (!whole) {
        std::optional<std::string> range;
        for (const auto& h : headers)
          if (strcasecmp(h.name.c_str(), "Content-Range") == 0) range = h.value;
        auto got = range ? parse_content_range(*range) : std::nullopt;
        if (!got || got->first != from || got->second != last)
          throw Error(fmt::format("registry {} answered bytes {} for blob {}@{}, not {}-{}", registry_,
                                  range.value_or("(no Content-Range)"), repository, digest, from, last),
                      "the registry does not serve byte ranges correctly; try --jobs 1");
      }
      if (!partial) {
        partial = !whole;
        if (on_start) on_start(*partial);
      }
      // A 200 while resuming a range: skip to where we were, stop after `last`.
      skip = whole && *partial ? from : 0;
      if (whole && !*partial) skip = delivered;  // resuming a whole-blob answer
    };
    auto counting = [&](std::string_view chunk) {
      if (skip > 0) {
        auto n = std::min<std::uint64_t>(skip, chunk.size());
        chunk.remove_prefix(n);
        skip -= n;
        if (chunk.empty()) return;
      }
      if (*partial) {
        if (delivered + chunk.size() > wanted) chunk = chunk.substr(0, wanted - delivered);
        delivered += chunk.size();
        sink(chunk);
        if (whole && delivered == wanted) throw RangeComplete{};
        return;
      }
      delivered += chunk.size();
      sink(chunk);
    };
    try {
      request(repository, call, counting);
      if (*partial && delivered != wanted)
        throw Error(fmt::format("registry {} sent {} of the {} bytes asked for blob {}@{}", registry_, delivered,
                                wanted, repository, digest),
                    "try again");
      return *partial;
    } catch (const RangeComplete&) {
      return true;
    } catch (const http::TransportError& e) {
      using K = http::TransportError::Kind;
      bool transient = e.kind() == K::connect || e.kind() == K::timeout || e.kind() == K::other;
      if (!transient || !budget.allow(delivered, e.kind() == K::timeout)) throw_transport(e);
      log::debug("blob {}@{} range cut off after {} bytes ({}); resuming", repository, digest, delivered, e.detail());
    }
  }
}

}  // namespace coldstart::image
