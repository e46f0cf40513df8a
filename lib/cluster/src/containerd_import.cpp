// import_into_containerd: the blobs of one cached image, streamed as an OCI archive into
// `ctr images import -` (why this route: docs/prewarm.md, "Import into containerd").
#include "coldstart/cluster/containerd_import.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <algorithm>
#include <cstdlib>
#include <future>
#include <thread>
#include <unistd.h>

#include "cached_image.hpp"
#include "child_process.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/log.hpp"
#include "coldstart/image/reference.hpp"
#include "containerd_socket.hpp"
#include "oci_archive_writer.hpp"
#include "snapshot_unpack.hpp"

namespace coldstart::cluster {

namespace {

constexpr const char* kImageName = "io.containerd.image.name";
constexpr const char* kRefName = "org.opencontainers.image.ref.name";

// index.json of the stream: the target once per name containerd should create. The tag name makes
// `image:tag` resolve; the digest name is the RepoDigest the CRI records when it pulls.
std::string stream_index(const image::Descriptor& target, const std::string& tag,
                         const std::vector<std::string>& names) {
  nlohmann::ordered_json manifests = nlohmann::ordered_json::array();
  for (const auto& name : names) {
    nlohmann::ordered_json entry{{"mediaType", target.media_type}, {"digest", target.digest}, {"size", target.size}};
    entry["annotations"][kImageName] = name;
    if (!tag.empty() && name.find('@') == std::string::npos) entry["annotations"][kRefName] = tag;
    manifests.push_back(std::move(entry));
  }
  return nlohmann::ordered_json{{"schemaVersion", 2}, {"manifests", manifests}}.dump();
}

std::vector<std::string> ctr_arguments(const ImportOptions& options) {
  std::vector<std::string> argv{options.ctr,   "--address", options.socket, "--namespace", options.namespace_name,
                                "--connect-timeout", "10s", "images",       "import"};
  if (options.unpack) {
    argv.insert(argv.end(), {"--snapshotter", options.snapshotter});
  } else {
    argv.push_back("--no-unpack");
  }
  if (!options.platform.empty()) argv.insert(argv.end(), {"--platform", options.platform});
  argv.push_back("-");
  return argv;
}

[[noreturn]] void ctr_failed(const ImportOptions& options, const detail::ChildProcess::Exit& exit) {
  std::string why = exit.last_line();
  if (why.empty())
    why = exit.exited ? fmt::format("exit code {} without a message", exit.code)
                      : fmt::format("killed by signal {}", exit.code);
  std::string hint = "check containerd's log";
  if (why.find("permission denied") != std::string::npos) hint = "run as root, or as a member of the socket's group";
  if (why.find("snapshotter") != std::string::npos) hint = "pick a snapshotter this containerd has (ctr plugins ls)";
  // ctr names the images, then prints "unpacking NAME (DIGEST)..." for each: a failure after that
  // leaves the image named but not (fully) unpacked; the CRI unpacks it on first use.
  if (exit.output.find("unpacking ") != std::string::npos) {
    auto dots = why.rfind("...");
    if (why.starts_with("unpacking ") && dots != std::string::npos) why = why.substr(dots + 3);
    throw Error(fmt::format("containerd at {} (namespace {}) has the image but could not unpack it for {}: {}",
                            options.socket, options.namespace_name, options.snapshotter, why),
                hint);
  }
  throw Error(fmt::format("ctr images import into containerd at {} (namespace {}) failed: {}", options.socket,
                          options.namespace_name, why),
              hint);
}


// The coldstart unpack route, overlapped: while coldstart writes the layers into snapshots, ctr
// ingests every blob without unpacking, under a staging name that keeps the content from
// containerd's garbage collector (and names nothing the kubelet looks for). Then a second, small
// import of the documents alone names the image and runs containerd's unpack, which finds the
// snapshots committed; the staging name is dropped.
template <typename Stream>
void import_with_coldstart_unpack(const std::filesystem::path& layout_dir, const detail::CachedImage& cached,
                                  const ImportOptions& options, ImportResult& result, Stream& stream) {
  ImportOptions o = options;
  if (o.unpack_jobs <= 0) o.unpack_jobs = static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
  detail::remove_stale_staging_names(o);
  const std::string staging = fmt::format("{}{}:{}", detail::kStagingNamePrefix, ::getpid(),
                                          cached.target.digest.substr(cached.target.digest.find(':') + 1, 12));
  auto ingest = std::async(std::launch::async, [&] {
    auto started = std::chrono::steady_clock::now();
    result.bytes = stream(cached.blobs, {staging}, false);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  });
  // coldstart's unpack only saves time: whatever stops it (an index without this platform, a ctr
  // snapshot command refused) leaves the unpack to containerd instead of failing the import.
  detail::SnapshotUnpack pre;
  try {
    pre = detail::unpack_into_snapshots(layout_dir, cached.target, o);
  } catch (const std::exception& e) {
    pre.left_to_containerd = e.what();
  }
  // The snapshots stay protected (gc.root) until the import has referenced them from the config.
  struct Release {
    const std::vector<std::string>& chains;
    const ImportOptions& options;
    ~Release() { detail::release_snapshots(chains, options); }
  } release{pre.committed, options};
  result.layers = pre.layers;
  result.layers_present = pre.present;
  result.layers_by_coldstart = pre.unpacked;
  result.left_to_containerd = pre.left_to_containerd;
  result.unpack_seconds = pre.seconds;
  const double ingest_seconds = ingest.get();  // a failed ingest throws its one line here
  struct DropStaging {
    const ImportOptions& options;
    const std::string& name;
    ~DropStaging() { detail::remove_image_name(options, name); }
  } drop{options, staging};
  auto started = std::chrono::steady_clock::now();
  std::vector<image::Descriptor> documents;
  for (const auto& blob : cached.blobs)
    if (image::is_index_media_type(blob.media_type) || image::is_manifest_media_type(blob.media_type) ||
        blob.media_type.find("config") != std::string::npos)
      documents.push_back(blob);
  stream(documents, result.image_names, true);
  result.import_seconds =
      ingest_seconds + std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

}  // namespace

ImportOptions parse_import_flag(const std::string& value) {
  ImportOptions options;
  auto equals = value.find('=');
  std::string runtime = value.substr(0, equals);
  if (runtime != "containerd")
    throw UsageError(fmt::format("--import {}: unknown runtime '{}'", value, runtime),
                     "use --import containerd or --import containerd=SOCKET");
  if (equals != std::string::npos) {
    options.socket = value.substr(equals + 1);
    if (options.socket.empty())
      throw UsageError(fmt::format("--import {}: the socket after '=' is empty", value),
                       "use --import containerd=/run/containerd/containerd.sock");
  } else if (const char* env = std::getenv("CONTAINERD_ADDRESS"); env && *env) {
    options.socket = env;
  }
  return options;
}

std::string containerd_image_name(const std::string& image_reference) {
  image::Reference ref = image::Reference::parse(image_reference);
  if (ref.registry == "registry-1.docker.io") ref.registry = "docker.io";
  return ref.to_string();
}

ImportResult import_into_containerd(const std::filesystem::path& layout_dir, const std::string& image_reference,
                                    const ImportOptions& options) {
  auto started = std::chrono::steady_clock::now();
  image::Reference ref = image::Reference::parse(image_reference);
  detail::CachedImage cached = detail::find_cached_image(layout_dir, ref);

  ImportResult result;
  result.target_digest = cached.target.digest;
  result.target_media_type = cached.target.media_type;
  image::Reference by_digest = image::Reference::parse(image_reference);
  by_digest.tag.clear();
  by_digest.digest = cached.target.digest;
  if (!ref.tag.empty()) {
    image::Reference by_tag = ref;
    by_tag.digest.clear();
    result.image_names.push_back(containerd_image_name(by_tag.to_string()));
  }
  result.image_names.push_back(containerd_image_name(by_digest.to_string()));

  detail::require_containerd_socket(options.socket);
  log::debug("importing {} ({} blobs) from {} into containerd at {}", image_reference, cached.blobs.size(),
             layout_dir.string(), options.socket);

  // Streams `blobs` as an OCI archive into one `ctr images import`, index.json (last: ctr names
  // nothing before the stream is whole, so an abort leaves no image) naming `names`.
  auto stream = [&](const std::vector<image::Descriptor>& blobs, const std::vector<std::string>& names, bool unpack) {
    ImportOptions o = options;
    o.unpack = unpack;
    detail::ScopedSigpipeBlock no_sigpipe;
    detail::ChildProcess ctr(ctr_arguments(o), "install containerd's ctr (Debian package containerd) or put it on PATH");
    std::uint64_t bytes = 0;
    try {
      detail::OciArchiveWriter tar(ctr.stdin_fd());
      tar.add_file("oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
      for (const auto& blob : blobs) tar.add_blob(detail::blob_file(layout_dir, blob.digest), blob, options.verify);
      tar.add_file("index.json", stream_index(cached.target, ref.tag, names));
      tar.finish();
      bytes = tar.blob_bytes();
    } catch (const detail::StreamClosed&) {
      ctr_failed(options, ctr.wait());
    } catch (...) {
      ctr.kill();
      ctr.wait();
      throw;
    }
    auto exit = ctr.wait();
    if (!exit.ok()) ctr_failed(options, exit);
    return bytes;
  };

  if (!options.unpack || options.unpacker == ImportOptions::Unpacker::containerd) {
    result.bytes = stream(cached.blobs, result.image_names, options.unpack);
    result.import_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  } else {
    import_with_coldstart_unpack(layout_dir, cached, options, result, stream);
  }

  result.blobs = cached.blobs.size();
  result.unpacked = options.unpack;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace coldstart::cluster
