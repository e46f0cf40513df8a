// The OCI distribution API of one registry: manifests, blobs and tags, with authentication
// (Bearer tokens cached per scope, Basic) and errors turned into one clear line.
// Thread-safe: several threads may fetch blobs through one client.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "coldstart/core/http.hpp"
#include "coldstart/image/auth.hpp"
#include "coldstart/image/bearer_token.hpp"
#include "coldstart/image/credentials.hpp"
#include "coldstart/image/manifest.hpp"
#include "coldstart/image/source.hpp"

namespace coldstart::image {

// All four manifest media types, for the Accept header.
extern const char* const kManifestAccept;

class RegistryClient {
 public:
  // `registry` as in a Reference ("127.0.0.1:5000", "registry-1.docker.io").
  RegistryClient(std::string registry, SourceOptions options);

  struct Document {
    std::string bytes;
    std::string media_type;  // Content-Type as sent (may be empty or generic)
    std::string digest;      // computed from the bytes; never the server's header
  };

  // GET /v2/<repo>/manifests/<reference>; capped at max_document_bytes(); a digest reference is verified.
  Document get_manifest(const std::string& repository, const std::string& reference);
  // HEAD: whether it exists, its media type, size and the digest the server *claims* (unverified).
  std::optional<Descriptor> head_manifest(const std::string& repository, const std::string& reference);
  // GET /v2/<repo>/blobs/<digest>, bytes to `sink` as they arrive (the caller verifies).
  // A transfer cut off midway is resumed with a Range request: cuts that bring new bytes do not
  // use up max_retries, cuts without progress and timeouts do; at most 32 resumes per blob.
  void fetch_blob(const std::string& repository, const std::string& digest, const http::BodySink& sink);
  // A small blob read whole and verified against the descriptor's digest and size.
  std::string get_blob(const std::string& repository, const Descriptor& descriptor, std::size_t limit);
  // All tags, following Link pagination; `page_size` > 0 asks for pages of that size (?n=).
  std::vector<std::string> list_tags(const std::string& repository, int page_size = 0);

  const std::string& registry() const { return registry_; }
  // "https://127.0.0.1:5000" or "http://..." with --plain-http.
  std::string base_url() const;

  // GET /v2/<repo>/blobs/<digest> with Range: bytes=first-last (inclusive), bytes to `sink`.
  // Returns true when the registry answered 206 with exactly that range (a transfer cut off
  // midway is resumed from where it stopped), false when it ignored Range and answered 200: then
  // `sink` receives the whole blob from byte 0. `on_start(partial)` is called once, before the
  // first byte, with what the answer is, so the caller knows where the bytes belong.
  bool fetch_blob_range(const std::string& repository, const std::string& digest, std::uint64_t first,
                        std::uint64_t last, const http::BodySink& sink,
                        const std::function<void(bool partial)>& on_start = nullptr);

 private:
  struct Call {
    std::string method = "GET";
    std::string url;
    std::string accept;
    std::size_t max_body = 64 * 1024;
    std::string subject;  // "aigc/sd:v1" in messages
    http::Headers extra_headers;
    std::function<void(long, const http::Headers&)> on_headers;
    bool raw_transport_errors = false;  // let http::TransportError through (fetch_blob resumes)
    bool stream = false;  // a blob body: the deadline stops at the response headers, big chunks
  };
  http::Response request(const std::string& repository, const Call& call, const http::BodySink& sink = nullptr);
  http::Request settings() const;
  // Adds Authorization for what we know of the registry's scheme; false when none applies yet.
  void authorize(http::Request& req, const std::string& repository, const std::string& scope, bool fresh);
  const std::optional<Credentials>& credentials(const std::string& repository);
  [[noreturn]] void throw_transport(const http::TransportError& e) const;

  std::string registry_;
  SourceOptions options_;
  std::mutex mutex_;  // guards challenge_ and the credential lookup
  std::optional<Challenge> challenge_;
  std::map<std::string, std::optional<Credentials>> credentials_;  // by repository
  TokenCache tokens_;
};

}  // namespace coldstart::image
