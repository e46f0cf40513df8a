// In-memory version series shaped like examples/images/aigc: base, cuda and python layers that
// stay, app and model layers that change every release. Shared by the analyze unit tests.
#pragma once
#include <string>
#include <vector>

#include "coldstart/core/digest.hpp"
#include "coldstart/analyze/version_series.hpp"

namespace coldstart::test {

inline analyze::VersionLayer fake_layer(const std::string& content, std::uint64_t size, const std::string& step) {
  analyze::VersionLayer l;
  l.id = sha256_digest("diff:" + content);
  l.digest = sha256_digest("blob:" + content);
  l.media_type = "application/vnd.oci.image.layer.v1.tar+gzip";
  l.size = size;
  l.created_by = step;
  return l;
}

inline constexpr std::uint64_t kMiB = 1024 * 1024;

// Version `v` (1-based) of repository `repo`.
inline analyze::ImageVersion aigc_version(int v, const std::string& repo = "oci:examples/images/aigc") {
  analyze::ImageVersion version;
  version.repository = repo;
  version.tag = "v" + std::to_string(v);
  version.reference = repo + ":" + version.tag;
  version.created = "2024-01-0" + std::to_string(v) + "T00:00:00Z";
  version.manifest_digest = sha256_digest(repo + version.tag);
  version.layers = {
      fake_layer("base", 30 * kMiB, "ADD rootfs.tar /"),
      fake_layer("cuda", 200 * kMiB, "RUN apt-get install -y cuda-runtime"),
      fake_layer("python", 50 * kMiB, "RUN pip install torch"),
      fake_layer(repo + "app-v" + std::to_string(v), 5 * kMiB, "COPY app /app"),
      fake_layer(repo + "model-v" + std::to_string(v), 100 * kMiB, "COPY model.safetensors /models/"),
  };
  return version;
}

inline analyze::VersionSeries aigc_series(int versions, const std::string& repo = "oci:examples/images/aigc") {
  analyze::VersionSeries s;
  s.repository = repo;
  for (int v = 1; v <= versions; ++v) s.versions.push_back(aigc_version(v, repo));
  return s;
}

}  // namespace coldstart::test
