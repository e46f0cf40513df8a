#include "coldstart/cluster/pull_bench.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>

#include "coldstart/core/digest.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/file.hpp"
#include "coldstart/image/file_stream.hpp"
#include "coldstart/image/layer_stream.hpp"

namespace fs = std::filesystem;

namespace coldstart::cluster {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::string blob_name(const std::string& digest) {
  auto colon = digest.find(':');
  return colon == std::string::npos ? digest : digest.substr(colon + 1);
}

// Streams a blob to `path` through a temp name; the stream verifies size and digest at its end,
// so only a verified blob is ever renamed into place.
std::uint64_t copy_blob(image::Source& source, const image::Descriptor& descriptor, const fs::path& path) {
  const fs::path partial = path.string() + ".partial";
  int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(fmt::format("cannot create {}: {}", partial.string(), std::strerror(errno)));
  std::uint64_t total = 0;
  try {
    auto stream = source.open_blob(descriptor);
    std::vector<char> buffer(1 << 20);
    for (std::size_t n; (n = stream->read(buffer.data(), buffer.size())) > 0;) {
      for (std::size_t off = 0; off < n;) {
        ssize_t w = ::write(fd, buffer.data() + off, n - off);
        if (w < 0) {
          if (errno == EINTR) continue;
          throw Error(fmt::format("cannot write {}: {}", partial.string(), std::strerror(errno)));
        }
        off += static_cast<std::size_t>(w);
      }
      total += n;
    }
  } catch (...) {
    ::close(fd);
    ::unlink(partial.c_str());
    throw;
  }
  ::close(fd);
  std::error_code ec;
  fs::rename(partial, path, ec);
  if (ec) throw Error(fmt::format("cannot rename {}: {}", partial.string(), ec.message()));
  return total;
}

}  // namespace

std::vector<FetchedLayer> fetch_layers_with_source(image::Source& source, const std::vector<image::Descriptor>& layers,
                                                   const fs::path& dir, int jobs) {
  std::vector<FetchedLayer> fetched(layers.size());
  std::atomic<std::size_t> next{0};
  std::mutex failure_mutex;
  std::exception_ptr failure;
  auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < layers.size();) {
      {
        std::lock_guard lock(failure_mutex);
        if (failure) return;
      }
      try {
        const auto start = Clock::now();
        fetched[i].descriptor = layers[i];
        fetched[i].file = dir / blob_name(layers[i].digest);
        copy_blob(source, layers[i], fetched[i].file);
        fetched[i].seconds = since(start);
      } catch (...) {
        std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        return;
      }
    }
  };
  const std::size_t threads = std::max<std::size_t>(1, std::min<std::size_t>(static_cast<std::size_t>(std::max(jobs, 1)), layers.size()));
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
  return fetched;
}

PullSample measure_pull(const std::string& image_name, const PullBenchOptions& options) {
  PullSample sample;
  const auto start = Clock::now();
  auto phase = start;
  // Opening the source (connection setup, CA bundle) is part of resolving, as for a fresh puller.
  auto source = image::open_source(image_name, options.source);
  const image::ResolvedImage image = source->resolve();
  sample.resolve_seconds = since(phase);

  phase = Clock::now();
  image::read_blob(*source, image.manifest.config);
  sample.config_seconds = since(phase);

  TempDir blobs("coldstart-bench-blobs-", options.work_dir);
  phase = Clock::now();
  const auto fetched = options.fetcher(*source, image.manifest.layers, blobs.path(), options.jobs);
  sample.fetch_seconds = since(phase);
  sample.layers = fetched.size();
  for (const auto& layer : fetched) {
    sample.compressed_bytes += static_cast<std::uint64_t>(std::max<std::int64_t>(layer.descriptor.size, 0));
    sample.layer_fetch_seconds.push_back(layer.seconds);
  }

  if (options.unpack) {
    TempDir rootfs("coldstart-bench-rootfs-", options.work_dir);
    phase = Clock::now();
    for (std::size_t i = 0; i < fetched.size(); ++i) {
      const std::string what = fmt::format("layer {} ({}) of {}", i + 1, short_digest(fetched[i].descriptor.digest),
                                           source->describe());
      image::LayerStream layer(image::open_file_stream(fetched[i].file), fetched[i].descriptor.media_type, what);
      const UnpackStats s = unpack_layer(layer, rootfs.path(), what);
      sample.uncompressed_bytes += layer.uncompressed_bytes();
      if (i < image.config.diff_ids.size() && layer.diff_id() != image.config.diff_ids[i])
        throw Error(fmt::format("{}: diff_id {} differs from the config's {}", what, layer.diff_id(),
                                image.config.diff_ids[i]));
      sample.unpack.entries += s.entries;
      sample.unpack.files += s.files;
      sample.unpack.directories += s.directories;
      sample.unpack.links += s.links;
      sample.unpack.whiteouts += s.whiteouts;
      sample.unpack.skipped += s.skipped;
      sample.unpack.bytes_written += s.bytes_written;
    }
    sample.unpack_seconds = since(phase);
    sample.total_seconds = since(start);  // before the rootfs is removed: cleanup is not the pull
    return sample;
  }
  sample.total_seconds = since(start);
  return sample;
}

bool layout_has_tag(const fs::path& dir, const std::string& tag) {
  std::error_code ec;
  if (!fs::exists(dir / "index.json", ec)) return false;
  try {
    auto index = nlohmann::json::parse(read_file(dir / "index.json", 4 << 20));
    for (const auto& m : index.value("manifests", nlohmann::json::array()))
      if (m.contains("annotations") && m["annotations"].value("org.opencontainers.image.ref.name", "") == tag)
        return true;
  } catch (const nlohmann::json::exception&) {
    throw Error(fmt::format("{}: index.json is not valid JSON", dir.string()), "remove the directory or pick another --cache");
  }
  return false;
}

void fill_oci_layout(const std::string& image_name, const image::SourceOptions& options, const fs::path& dir,
                     const std::string& tag) {
  auto source = image::open_source(image_name, options);
  const image::ResolvedImage image = source->resolve();
  const fs::path blobs = dir / "blobs" / "sha256";
  std::error_code ec;
  fs::create_directories(blobs, ec);
  if (ec) throw Error(fmt::format("cannot create {}: {}", blobs.string(), ec.message()));
  auto store = [&](const image::Descriptor& d) {
    const fs::path path = blobs / blob_name(d.digest);
    if (!fs::exists(path)) copy_blob(*source, d, path);
  };
  for (const auto& layer : image.manifest.layers) store(layer);
  store(image.manifest.config);
  const fs::path manifest_path = blobs / blob_name(image.manifest_digest);
  if (!fs::exists(manifest_path)) write_file_atomic(manifest_path, image.manifest_json);
  write_file_atomic(dir / "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");

  nlohmann::ordered_json index = {{"schemaVersion", 2}, {"manifests", nlohmann::ordered_json::array()}};
  if (fs::exists(dir / "index.json")) {
    index = nlohmann::ordered_json::parse(read_file(dir / "index.json", 4 << 20));
    auto& list = index["manifests"];
    for (auto it = list.begin(); it != list.end();) {
      const bool same = it->contains("annotations") &&
                        (*it)["annotations"].value("org.opencontainers.image.ref.name", "") == tag;
      it = same ? list.erase(it) : it + 1;
    }
  }
  index["manifests"].push_back({{"mediaType", image.manifest_media_type},
                                {"digest", image.manifest_digest},
                                {"size", image.manifest_json.size()},
                                {"annotations", {{"org.opencontainers.image.ref.name", tag}}}});
  write_file_atomic(dir / "index.json", index.dump());
}

}  // namespace coldstart::cluster
