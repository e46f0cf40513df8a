// Transport dispatch: IMAGE as a user writes it -> the Source that reads it.
#include "coldstart/image/source.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "coldstart/core/digest.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/image/local_sources.hpp"
#include "coldstart/image/reference.hpp"
#include "coldstart/image/registry_source.hpp"

namespace coldstart::image {

namespace {

const std::string kTransports = "use docker://REF (or a bare REF), oci:DIR[:TAG], oci-archive:FILE[:TAG] or docker-archive:FILE[:REF]";

bool path_exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

// "PATH[:suffix]" as skopeo splits it: at the first ':', unless the whole text is an existing path.
std::pair<std::string, std::string> split_path(const std::string& rest) {
  if (path_exists(rest)) return {rest, ""};
  auto colon = rest.find(':');
  if (colon == std::string::npos) return {rest, ""};
  return {rest.substr(0, colon), rest.substr(colon + 1)};
}

// oci:DIR:TAG, oci:DIR@sha256:..., oci:DIR:@sha256:...
std::pair<std::string, LayoutImage> split_layout(const std::string& image, const std::string& rest) {
  LayoutImage which;
  std::string path;
  auto at = rest.rfind('@');
  bool pinned = at != std::string::npos && (rest.compare(at + 1, 7, "sha256:") == 0 || rest.compare(at + 1, 7, "sha512:") == 0);
  if (pinned && !path_exists(rest)) {
    which.digest = rest.substr(at + 1);
    path = rest.substr(0, at);
    if (path.ends_with(":")) path.pop_back();
    if (!is_valid_digest(which.digest))
      throw UsageError(fmt::format("invalid digest '{}' in '{}'", which.digest, image),
                       "a digest is sha256: followed by 64 lowercase hex digits");
    // Refused here, as the registry path does: verifying it as SHA-256 would call the blob corrupt.
    if (!which.digest.starts_with("sha256:"))
      throw UsageError(fmt::format("unsupported digest algorithm in '{}'", image),
                       "coldstart verifies sha256 digests only; pin the image by its sha256 digest or a tag");
  } else {
    auto [p, tag] = split_path(rest);
    path = p;
    which.tag = tag;
  }
  if (path.empty()) throw UsageError(fmt::format("'{}' names no path", image), kTransports);
  return {path, which};
}

}  // namespace

std::vector<std::string> Source::list_tags() { throw Error("listing tags is not supported by " + describe()); }

std::unique_ptr<Source> open_source(const std::string& image, const SourceOptions& options) {
  if (image.empty()) throw UsageError("the image argument is empty", kTransports);
  auto after = [&](std::string_view prefix) -> std::optional<std::string> {
    if (image.starts_with(prefix)) return image.substr(prefix.size());
    return std::nullopt;
  };
  if (auto rest = after("docker://")) return open_registry_source(Reference::parse(*rest), options);
  if (auto rest = after("oci:")) {
    auto [path, which] = split_layout(image, *rest);
    return open_oci_layout(path, which, options, image);
  }
  if (auto rest = after("oci-archive:")) {
    auto [path, which] = split_layout(image, *rest);
    return open_oci_archive(path, which, options, image);
  }
  if (auto rest = after("docker-archive:")) {
    auto [path, ref] = split_path(*rest);
    if (path.empty()) throw UsageError(fmt::format("'{}' names no archive file", image), kTransports);
    return open_docker_archive(path, ref, options, image);
  }
  for (std::string_view other : {"dir:", "docker-daemon:", "containers-storage:", "ostree:", "sif:", "tarball:"})
    if (image.starts_with(other))
      throw UsageError(fmt::format("transport '{}' in '{}' is not supported", other.substr(0, other.size() - 1), image),
                       kTransports);
  Reference ref;
  try {
    ref = Reference::parse(image);
  } catch (const UsageError& e) {
    if (path_exists(image))
      throw UsageError(fmt::format("'{}' is a local path, not an image reference", image),
                       "write oci:" + image + " for a layout directory, or oci-archive: / docker-archive: for a tar");
    throw;
  }
  // A bare name that is also a local path would go to docker.io: name the likely transport instead.
  std::string first = image.substr(0, image.find('/'));
  bool names_registry = image.find('/') != std::string::npos &&
                        (first.find('.') != std::string::npos || first.find(':') != std::string::npos || first == "localhost");
  if (!names_registry) {
    std::string path = image;
    if (!path_exists(path) && image.rfind(':') != std::string::npos) path = image.substr(0, image.rfind(':'));
    std::error_code ec;
    if (path_exists(path) && std::filesystem::is_directory(path, ec))
      throw UsageError(fmt::format("'{}' is a local directory, not a registry image; did you mean oci:{}?", path, image),
                       "write docker://" + image + " to mean the registry");
    if (path_exists(path))
      throw UsageError(fmt::format("'{}' is a local file, not a registry image; did you mean oci-archive:{} or docker-archive:{}?",
                                   path, image, image),
                       "write docker://" + image + " to mean the registry");
  }
  return open_registry_source(ref, options);
}

std::string read_blob(Source& source, const Descriptor& descriptor, std::size_t limit) {
  if (descriptor.size > static_cast<std::int64_t>(limit))
    throw Error(fmt::format("blob {} of {} is {} bytes, more than the {}-byte limit", descriptor.digest,
                            source.describe(), descriptor.size, limit),
                kDocumentLimitHint);
  auto stream = source.open_blob(descriptor);
  std::string out;
  char buf[65536];
  while (std::size_t n = stream->read(buf, sizeof buf)) {
    out.append(buf, n);
    if (out.size() > limit)
      throw Error(fmt::format("blob {} of {} is more than the {}-byte limit", descriptor.digest, source.describe(), limit),
                  kDocumentLimitHint);
  }
  return out;
}

}  // namespace coldstart::image
