// unpack_into_snapshots: coldstart writes the layers, containerd keeps the books (see the header).
#include "snapshot_unpack.hpp"

#include <signal.h>
#include <sys/utsname.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <exception>
#include <future>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "cached_image.hpp"
#include "child_process.hpp"
#include "coldstart/core/digest.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/file.hpp"
#include "coldstart/core/log.hpp"
#include "coldstart/image/file_stream.hpp"
#include "coldstart/image/layer_stream.hpp"
#include "overlay_layer_writer.hpp"

namespace fs = std::filesystem;

namespace coldstart::cluster::detail {

namespace {

constexpr const char* kGcRoot = "containerd.io/gc.root";
constexpr const char* kGcRootValue = "coldstart-prewarm";
constexpr const char* kKeyPrefix = "coldstart-unpack-";

// One ctr command; its output, or Error with ctr's last line.
std::string run_ctr(const ImportOptions& o, const std::vector<std::string>& args, const std::string& what) {
  std::vector<std::string> argv{o.ctr, "--address", o.socket, "--namespace", o.namespace_name, "--connect-timeout", "10s"};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess ctr(argv, "install containerd's ctr (Debian package containerd) or put it on PATH");
  ctr.close_stdin();
  auto exit = ctr.wait();
  if (!exit.ok())
    throw Error(fmt::format("ctr {} in containerd at {} failed: {}", what, o.socket, exit.last_line()),
                "check containerd's log");
  return exit.output;
}

// One `ctr snapshots` command for the import's snapshotter.
std::string snapshots(const ImportOptions& o, const std::vector<std::string>& args) {
  std::vector<std::string> full{"snapshots", "--snapshotter", o.snapshotter};
  full.insert(full.end(), args.begin(), args.end());
  return run_ctr(o, full, "snapshots " + args.at(0));
}

struct Mounts {
  fs::path upper;                // where the layer is written
  std::vector<fs::path> lowers;  // top-most first, as overlayfs takes them
};

// The JSON of `ctr snapshots prepare --mounts`: a bind mount of the snapshot's directory (no
// parent), or an overlay mount whose upperdir and lowerdir options name the directories.
Mounts parse_mounts(const std::string& json_text, const std::string& key) {
  Mounts m;
  nlohmann::json doc = nlohmann::json::parse(json_text, nullptr, false);
  if (!doc.is_array() || doc.size() != 1 || !doc[0].is_object())
    throw Error(fmt::format("unexpected mounts for snapshot {}: {}", key, json_text.substr(0, 200)));
  const auto& mount = doc[0];
  const std::string type = mount.value("Type", "");
  if (type == "bind") {
    m.upper = mount.value("Source", "");
  } else if (type == "overlay") {
    for (const auto& option : mount.value("Options", nlohmann::json::array())) {
      const std::string text = option.is_string() ? option.get<std::string>() : "";
      if (text.rfind("upperdir=", 0) == 0) m.upper = text.substr(9);
      if (text.rfind("lowerdir=", 0) == 0) {
        std::stringstream lowers(text.substr(9));
        for (std::string dir; std::getline(lowers, dir, ':');) m.lowers.emplace_back(dir);
      }
    }
  }
  if (m.upper.empty() || !m.upper.is_absolute())
    throw Error(fmt::format("snapshot {}: mounts of type '{}' name no writable directory", key, type));
  return m;
}

Mounts prepare(const ImportOptions& o, const std::string& key, const std::string& parent) {
  std::vector<std::string> args{"prepare", "--mounts", key};
  if (!parent.empty()) args.push_back(parent);
  Mounts m = parse_mounts(snapshots(o, args), key);
  snapshots(o, {"label", key, fmt::format("{}={}", kGcRoot, kGcRootValue)});
  return m;
}

void remove_quietly(const ImportOptions& o, const std::string& key) {
  try {
    snapshots(o, {"rm", key});
  } catch (const std::exception& e) {
    log::debug("removing snapshot {}: {}", key, e.what());
  }
}

std::set<std::string> existing_keys(const ImportOptions& o) {
  std::set<std::string> keys;
  std::stringstream lines(snapshots(o, {"ls"}));
  std::string line;
  std::getline(lines, line);  // header
  while (std::getline(lines, line)) {
    std::stringstream words(line);
    std::string key;
    if (words >> key) keys.insert(key);
  }
  return keys;
}

// Staging snapshots of a coldstart that died (its pid is gone) are removed; they hold gc.root.
void remove_stale(const ImportOptions& o, const std::set<std::string>& keys) {
  for (const auto& key : keys) {
    if (key.rfind(kKeyPrefix, 0) != 0) continue;
    const std::string rest = key.substr(std::string(kKeyPrefix).size());
    const long pid = std::strtol(rest.c_str(), nullptr, 10);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) remove_quietly(o, key);
  }
}

std::string host_architecture() {
  struct utsname u {};
  ::uname(&u);
  const std::string machine = u.machine;
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64" || machine == "arm64") return "arm64";
  if (machine.rfind("arm", 0) == 0) return "arm";
  return machine;
}

struct PlatformImage {
  std::vector<image::Descriptor> layers;
  std::vector<std::string> diff_ids;
};

PlatformImage read_platform_image(const fs::path& layout, const image::Descriptor& target,
                                  const ImportOptions& options) {
  auto document = [&](const image::Descriptor& d) { return read_file(blob_file(layout, d.digest)); };
  image::Descriptor manifest_descriptor = target;
  if (image::is_index_media_type(target.media_type)) {
    image::Platform want;
    if (!options.platform.empty()) {
      want = image::Platform::parse(options.platform);
    } else {
      want.architecture = host_architecture();
      want.variant.clear();
    }
    auto index = image::parse_index(document(target), "index " + target.digest);
    manifest_descriptor = image::select_platform(index, want, "index " + target.digest);
  }
  auto manifest = image::parse_manifest(document(manifest_descriptor), "manifest " + manifest_descriptor.digest);
  auto config = image::parse_config(document(manifest.config), "config " + manifest.config.digest);
  return {manifest.layers, config.diff_ids};
}

struct LayerJob {
  std::string key;        // the snapshot written into
  bool direct = false;    // prepared on its real parent: commit as it is
  fs::path dir;
  UpperWrite write;
};

}  // namespace

std::vector<std::string> chain_ids(const std::vector<std::string>& diff_ids) {
  std::vector<std::string> chains;
  for (const auto& diff : diff_ids)
    chains.push_back(chains.empty() ? diff : sha256_digest(chains.back() + " " + diff));
  return chains;
}

SnapshotUnpack unpack_into_snapshots(const fs::path& layout, const image::Descriptor& target,
                                     const ImportOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  SnapshotUnpack result;
  auto finish = [&] {
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
  };
  if (options.snapshotter != "overlayfs") {
    result.left_to_containerd = "snapshotter " + options.snapshotter + ": coldstart writes overlayfs snapshots only";
    return finish();
  }
  PlatformImage img = read_platform_image(layout, target, options);
  result.layers = img.layers.size();
  if (img.diff_ids.size() != img.layers.size()) {
    result.left_to_containerd = fmt::format("the config lists {} diff_ids for {} layers", img.diff_ids.size(),
                                            img.layers.size());
    return finish();
  }
  const auto chains = chain_ids(img.diff_ids);
  const auto keys = existing_keys(options);
  remove_stale(options, keys);
  std::size_t first = 0;
  while (first < chains.size() && keys.count(chains[first])) ++first;
  result.present = first;
  if (first == chains.size()) return finish();

  const std::string key_base = fmt::format("{}{}-{}-", kKeyPrefix, ::getpid(), std::hash<std::string>{}(target.digest) % 100000);
  const std::size_t count = chains.size() - first;
  std::vector<LayerJob> jobs(count);
  std::vector<std::promise<void>> done(count);
  std::vector<std::future<void>> ready;
  for (auto& p : done) ready.push_back(p.get_future());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex created_mutex;
  std::vector<std::string> created;  // keys of ours to remove at the end (committed ones are renamed)

  auto work = [&] {
    for (std::size_t j; (j = next++) < count;) {
      const std::size_t i = first + j;
      LayerJob& job = jobs[j];
      try {
        if (stop) throw Error("stopped");
        job.direct = j == 0;
        job.key = key_base + std::to_string(i) + (job.direct ? "" : "-staged");
        Mounts m = prepare(options, job.key, job.direct && i > 0 ? chains[i - 1] : "");
        {
          std::lock_guard lock(created_mutex);
          created.push_back(job.key);
        }
        job.dir = m.upper;
        const auto& layer = img.layers[i];
        const std::string what = fmt::format("layer {} ({})", i + 1, short_digest(layer.digest));
        // The diff_id check below covers every byte written (the config is digest-checked), so the
        // compressed digest is not hashed a second time here: the ingest stream already hashes it.
        image::LayerStream stream(image::open_file_stream(blob_file(layout, layer.digest)), layer.media_type, what);
        job.write = write_layer_to_upper(stream, job.dir, i == 0, what);
        if (job.write.diff_id != img.diff_ids[i])
          throw Error(fmt::format("{}: its content has diff_id {} but the config says {}", what, job.write.diff_id,
                                  img.diff_ids[i]));
        if (job.direct) copy_parent_attributes(job.dir, job.write.implicit_dirs, m.lowers);
        done[j].set_value();
      } catch (...) {
        stop = true;
        done[j].set_exception(std::current_exception());
      }
    }
  };
  const std::size_t workers = std::min<std::size_t>(count, std::max(1, options.unpack_jobs));
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < workers; ++t) threads.emplace_back(work);

  // Commit in layer order as the writers finish.
  for (std::size_t j = 0; j < count && result.left_to_containerd.empty(); ++j) {
    const std::size_t i = first + j;
    try {
      ready[j].get();
      LayerJob& job = jobs[j];
      std::string commit_key = job.key;
      if (!job.direct) {
        commit_key = key_base + std::to_string(i);
        Mounts m = prepare(options, commit_key, chains[i - 1]);
        {
          std::lock_guard lock(created_mutex);
          created.push_back(commit_key);
        }
        // Names first, then the renames: a directory is not renamed out of while it is being read.
        std::vector<fs::path> children;
        for (const auto& child : fs::directory_iterator(job.dir)) children.push_back(child.path());
        for (const auto& child : children) fs::rename(child, m.upper / child.filename());
        if (!fs::is_empty(job.dir)) throw Error(fmt::format("staging snapshot {} was not emptied", job.key));
        char opaque = 0;
        if (::lgetxattr(job.dir.c_str(), "trusted.overlay.opaque", &opaque, 1) == 1)
          ::lsetxattr(m.upper.c_str(), "trusted.overlay.opaque", &opaque, 1, 0);
        copy_parent_attributes(m.upper, job.write.implicit_dirs, m.lowers);
      }
      try {
        snapshots(options, {"commit", chains[i], commit_key});
      } catch (const Error& e) {
        // Another puller (the kubelet, a second prewarm) committed the same layer first.
        if (std::string(e.what()).find("already exists") == std::string::npos) throw;
        remove_quietly(options, commit_key);
      }
      {
        std::lock_guard lock(created_mutex);
        std::erase(created, commit_key);
      }
      snapshots(options, {"label", chains[i], fmt::format("{}={}", kGcRoot, kGcRootValue)});
      result.committed.push_back(chains[i]);
      ++result.unpacked;
    } catch (const std::exception& e) {
      stop = true;
      result.left_to_containerd = fmt::format("from layer {}: {}", i + 1, e.what());
    }
  }
  for (auto& t : threads) t.join();
  for (const auto& key : created) remove_quietly(options, key);
  // Not a warning: the import that follows reports a damaged blob in its own words, and the caller
  // shows left_to_containerd in its summary.
  if (!result.left_to_containerd.empty()) log::debug("containerd unpacks the rest itself, {}", result.left_to_containerd);
  return finish();
}

void remove_image_name(const ImportOptions& options, const std::string& name) {
  try {
    run_ctr(options, {"images", "rm", name}, "images rm");
  } catch (const std::exception& e) {
    log::warn("the staging image name {} is left in containerd: {}", name, e.what());
  }
}

void remove_stale_staging_names(const ImportOptions& options) {
  try {
    std::stringstream names(run_ctr(options, {"images", "ls", "-q"}, "images ls"));
    const std::string prefix = kStagingNamePrefix;
    for (std::string name; std::getline(names, name);) {
      if (name.rfind(prefix, 0) != 0) continue;
      const long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
      if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
        log::debug("removing the staging name {} of a coldstart that is gone", name);
        remove_image_name(options, name);
      }
    }
  } catch (const std::exception& e) {
    log::warn("stale staging names are left in containerd: {}", e.what());
  }
}

void release_snapshots(const std::vector<std::string>& chain_ids, const ImportOptions& options) {
  for (const auto& chain : chain_ids) {
    try {
      snapshots(options, {"label", chain, std::string(kGcRoot) + "="});
    } catch (const std::exception& e) {
      log::warn("snapshot {} keeps its {} label: {}", chain, kGcRoot, e.what());
    }
  }
}

}  // namespace coldstart::cluster::detail
