#include "coldstart/image/registry_client.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

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
        return fetch_bearer_token(*challenge, scope, creds, settings(), registry_);
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
                  "check the network; HTTPS_PROXY and NO_PROXY are honoured");
    default:
      throw Error(fmt::format("request to {} failed: {}", who, e.detail()), "try again; -v shows each request");
  }
}

http::Response RegistryClient::request(const std::string& method, const std::string& repository,
                                       const std::string& url, const std::string& accept,
                                       const http::BodySink& sink, std::size_t max_body,
                                       const std::string& subject) {
  std::string scope = pull_scope(repository);
  http::Response r;
  for (int attempt = 0; attempt < 2; ++attempt) {
    http::Request req = settings();
    req.method = method;
    req.url = url;
    req.max_body_bytes = max_body;
    if (!accept.empty()) req.headers.push_back({"Accept", accept});
    authorize(req, repository, scope, attempt > 0);
    try {
      r = http::send(req, sink);
    } catch (const http::TransportError& e) {
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
    if (method == "HEAD" && r.status == 404) what = "not found";
    throw Error(what, fmt::format("registry {}, {}", registry_, subject));
  }
  return r;
}

RegistryClient::Document RegistryClient::get_manifest(const std::string& repository, const std::string& reference) {
  std::string subject = repository + (reference.starts_with("sha256:") ? "@" : ":") + reference;
  if (reference.find(':') != std::string::npos && !reference.starts_with("sha256:"))
    throw Error(fmt::format("unsupported digest algorithm in {}", subject), "coldstart verifies sha256 digests only");
  auto r = request("GET", repository, base_url() + "/v2/" + repository + "/manifests/" + reference, kManifestAccept,
                   nullptr, kMaxDocumentBytes, subject);
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
    r = request("HEAD", repository, base_url() + "/v2/" + repository + "/manifests/" + reference, kManifestAccept,
                nullptr, 0, subject);
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
  request("GET", repository, base_url() + "/v2/" + repository + "/blobs/" + digest, "", sink, 64 * 1024,
          repository + "@" + digest);
}

std::string RegistryClient::get_blob(const std::string& repository, const Descriptor& descriptor, std::size_t limit) {
  std::string subject = repository + "@" + descriptor.digest;
  require_valid_digest(descriptor.digest, "blob of " + repository);
  if (descriptor.size > 0 && static_cast<std::size_t>(descriptor.size) > limit)
    throw Error(fmt::format("blob {} is {} bytes, more than the {}-byte limit", subject, descriptor.size, limit),
                "this does not look like a config or manifest");
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
    auto r = request("GET", repository, url, "application/json", nullptr, kMaxDocumentBytes, repository + " tags");
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
