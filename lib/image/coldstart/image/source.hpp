// image::Source: one interface over every transport (registry, OCI layout, archives),
// modelled on go-containerregistry's v1.Image. Everything above it works on any source.
#pragma once
#include <cstddef>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "coldstart/image/manifest.hpp"

namespace coldstart::image {

// A pull-style byte stream. read() returns 0 only at the end; it throws Error on failure.
class ByteStream {
 public:
  virtual ~ByteStream() = default;
  virtual std::size_t read(char* buffer, std::size_t size) = 0;
};

// An image resolved to one platform: every document here was digest-verified.
struct ResolvedImage {
  std::string reference;             // as the user wrote it, for messages
  std::string manifest_digest;       // digest of the manifest bytes
  std::string manifest_media_type;
  std::string manifest_json;         // exact bytes
  std::optional<std::string> index_digest;  // when reached through an index / manifest list
  Manifest manifest;
  std::string config_digest;
  std::string config_json;
  ImageConfig config;
  Platform platform;
};

// Connection and credential settings shared by all sources (most only matter for registries).
struct SourceOptions {
  Platform platform;                       // --platform, default linux/amd64
  std::set<std::string> plain_http;        // registries (host[:port]) spoken to over http://
  std::set<std::string> insecure;          // registries whose TLS certificate is not verified
  std::string ca_cert;                     // extra CA bundle (PEM file)
  std::string username;                    // --username
  std::string password;                    // from --password-stdin; never printed
  double connect_timeout_seconds = 10;
  double low_speed_timeout_seconds = 30;   // abort a transfer slower than 1 KiB/s for this long
  // --timeout: total time of each request (all its retries and redirects); for blob streams the
  // wait for the response and each stall without progress. 0 = none (the CLI's default is
  // 60 s: cli::kDefaultTimeoutSeconds).
  double timeout_seconds = 0;
  int max_retries = 4;
};

class Source {
 public:
  virtual ~Source() = default;
  // Transport-qualified name for messages, e.g. "oci:examples/images/app:v1".
  virtual std::string describe() const = 0;
  // Reads the manifest (selecting a platform from an index), and the config; verifies digests.
  virtual ResolvedImage resolve() = 0;
  // Streams a blob; the stream verifies size and digest and throws at the end on mismatch.
  virtual std::unique_ptr<ByteStream> open_blob(const Descriptor& descriptor) = 0;
  // Tags of the repository (registry and OCI layout); others throw Error.
  virtual std::vector<std::string> list_tags();
};

// Opens IMAGE as written by the user: docker://REF or a bare REF, oci:DIR[:tag],
// oci-archive:FILE[:tag], docker-archive:FILE[:ref]. Throws UsageError on a malformed argument.
std::unique_ptr<Source> open_source(const std::string& image, const SourceOptions& options);

// Reads a whole (small) blob, verified; throws when larger than `limit`.
std::string read_blob(Source& source, const Descriptor& descriptor, std::size_t limit = max_document_bytes());

}  // namespace coldstart::image
