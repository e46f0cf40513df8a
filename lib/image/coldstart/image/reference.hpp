// Image references as Docker and crane read them: [registry/]repository[:tag][@digest].
#pragma once
#include <string>
#include <string_view>

namespace coldstart::image {

struct Reference {
  std::string registry;    // "registry-1.docker.io", "127.0.0.1:5000", "[::1]:5000"
  std::string repository;  // "library/ubuntu", "aigc/sd"
  std::string tag;         // "latest" when neither tag nor digest was given
  std::string digest;      // "sha256:..." or empty
  // Parses with docker.io normalisation; throws UsageError with what is wrong.
  static Reference parse(std::string_view text);
  // "tag" or "digest" as sent in /v2/<name>/manifests/<reference>.
  std::string manifest_reference() const { return digest.empty() ? tag : digest; }
  // Canonical string: registry/repository[:tag][@digest].
  std::string to_string() const;
};

}  // namespace coldstart::image
