#include "coldstart/cluster/peer_pull.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "coldstart/cluster/process.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/file.hpp"
#include "coldstart/image/reference.hpp"

extern char** environ;

namespace fs = std::filesystem;

namespace coldstart::cluster {
namespace {

// Output lines of a short command (ctr ... ls -q); empty when it fails.
std::vector<std::string> capture_lines(const std::vector<std::string>& argv, const fs::path& scratch) {
  const fs::path out = scratch / "capture.txt";
  std::error_code ec;
  fs::remove(out, ec);
  std::vector<std::string> lines;
  if (run_process(argv, out).exit_code != 0) return lines;
  std::ifstream in(out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

bool has_transport_prefix(const std::string& image) {
  for (const char* t : {"oci:", "oci-archive:", "docker-archive:"})
    if (image.rfind(t, 0) == 0) return true;
  return false;
}

std::string registry_reference(const std::string& image) {
  std::string ref = image.rfind("docker://", 0) == 0 ? image.substr(9) : image;
  return image::Reference::parse(ref).to_string();
}

std::string registry_host(const std::string& image) {
  std::string ref = image.rfind("docker://", 0) == 0 ? image.substr(9) : image;
  return image::Reference::parse(ref).registry;
}

std::string socket_dir_parent(const fs::path& work_dir) {
  // unix socket paths are limited to 107 bytes: keep containerd's home short
  std::string parent = work_dir.empty() ? (std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") : work_dir.string();
  return parent.size() > 60 ? "/tmp" : parent;
}

class PeerBase : public Peer {
 public:
  explicit PeerBase(const PeerOptions& options) : o_(options) {}

 protected:
  // A fresh scratch dir for each sample, removed afterwards.
  std::unique_ptr<TempDir> fresh_scratch() { return std::make_unique<TempDir>("coldstart-bench-peer-", o_.work_dir); }

  double timed(const std::vector<std::string>& argv, const fs::path& log, const std::vector<std::string>& env = {}) {
    ProcessResult r = run_process(argv, log, env);
    if (r.exit_code != 0)
      throw Error(fmt::format("{} exited {}: {}", argv[0] + " " + argv[1], r.exit_code, log_tail(log)));
    return r.seconds;
  }

  std::optional<std::string> registry_only() const {
    if (has_transport_prefix(o_.image)) return std::string("pulls from a registry only; give IMAGE as a registry reference");
    return std::nullopt;
  }

  std::vector<std::string> ctr_base() const {
    return {"ctr", "--address", o_.containerd->socket(), "--namespace", o_.namespace_name};
  }
  std::vector<std::string> ctr_registry_flags() const {
    std::vector<std::string> flags;
    const std::string host = registry_host(o_.image);
    if (o_.plain_http.count(host)) flags.push_back("--plain-http");
    if (o_.insecure.count(host)) flags.push_back("--skip-verify");
    return flags;
  }
  std::optional<std::string> ctr_unavailable() const {
    if (find_program("ctr").empty()) return std::string("ctr is not installed (Debian package containerd)");
    if (!o_.containerd)
      return std::string("no containerd: run as root so bench starts one, or give --containerd SOCKET");
    return registry_only();
  }
  // Empties the benchmark namespace: images removed with a synchronous GC (content and
  // snapshots go with them), then any content left (ctr content fetch keeps no image).
  void empty_namespace(const fs::path& scratch) {
    auto base = ctr_base();
    auto with = [&](std::vector<std::string> tail) {
      auto argv = base;
      argv.insert(argv.end(), tail.begin(), tail.end());
      return argv;
    };
    for (const auto& name : capture_lines(with({"images", "ls", "-q"}), scratch))
      run_process(with({"images", "rm", "--sync", name}), scratch / "cleanup.log");
    for (const auto& digest : capture_lines(with({"content", "ls", "-q"}), scratch))
      run_process(with({"content", "rm", digest}), scratch / "cleanup.log");
    if (!capture_lines(with({"content", "ls", "-q"}), scratch).empty())
      throw Error(fmt::format("containerd namespace {} still holds content after cleanup; samples would not be cold",
                              o_.namespace_name));
  }

  const PeerOptions& o_;
};

class SkopeoPeer : public PeerBase {
 public:
  using PeerBase::PeerBase;
  std::string name() const override { return "skopeo"; }
  std::string command() const override { return "skopeo copy " + source() + " dir:TMP"; }
  std::optional<std::string> unavailable() const override {
    if (find_program("skopeo").empty()) return std::string("skopeo is not installed (Debian package skopeo)");
    return std::nullopt;
  }
  double run_sample() override {
    auto scratch = fresh_scratch();
    std::vector<std::string> argv{"skopeo", "copy", "--quiet"};
    if (!has_transport_prefix(o_.image)) {
      const std::string host = registry_host(o_.image);
      if (o_.plain_http.count(host) || o_.insecure.count(host)) argv.push_back("--src-tls-verify=false");
    }
    const auto slash = o_.platform.find('/');
    argv.push_back("--override-os=" + o_.platform.substr(0, slash));
    if (slash != std::string::npos) argv.push_back("--override-arch=" + o_.platform.substr(slash + 1));
    argv.push_back(source());
    argv.push_back("dir:" + (scratch->path() / "image").string());
    return timed(argv, scratch->path() / "skopeo.log");
  }

 private:
  std::string source() const { return has_transport_prefix(o_.image) || o_.image.rfind("docker://", 0) == 0 ? o_.image : "docker://" + o_.image; }
};

class CtrFetchPeer : public PeerBase {
 public:
  using PeerBase::PeerBase;
  std::string name() const override { return "ctr-fetch"; }
  std::string command() const override { return "ctr content fetch"; }
  std::optional<std::string> unavailable() const override { return ctr_unavailable(); }
  double run_sample() override {
    auto scratch = fresh_scratch();
    empty_namespace(scratch->path());
    auto argv = ctr_base();
    for (auto a : {"content", "fetch"}) argv.push_back(a);
    for (auto& f : ctr_registry_flags()) argv.push_back(f);
    argv.push_back("--platform");
    argv.push_back(o_.platform);
    argv.push_back(registry_reference(o_.image));
    return timed(argv, scratch->path() / "ctr.log");
  }
};

class CtrPullPeer : public PeerBase {
 public:
  CtrPullPeer(const PeerOptions& options, bool prewarmed) : PeerBase(options), prewarmed_(prewarmed) {}
  std::string name() const override { return prewarmed_ ? "ctr-pull-prewarmed" : "ctr-pull"; }
  std::string command() const override {
    return prewarmed_ ? "ctr images pull after coldstart prewarm pull --import containerd" : "ctr images pull (unpack)";
  }
  std::optional<std::string> unavailable() const override {
    if (auto note = ctr_unavailable()) return note;
    if (prewarmed_ && !prewarm_import_available())
      return std::string("coldstart prewarm pull --import is not in this build yet; no prewarmed row");
    return std::nullopt;
  }
  double run_sample() override {
    auto scratch = fresh_scratch();
    empty_namespace(scratch->path());
    const std::vector<std::string> env{"CONTAINERD_NAMESPACE=" + o_.namespace_name,
                                       "CONTAINERD_ADDRESS=" + o_.containerd->socket()};
    if (prewarmed_) {
      std::vector<std::string> argv{o_.self_exe.string()};
      argv.insert(argv.end(), o_.self_global_args.begin(), o_.self_global_args.end());
      for (const auto& a : {std::string("prewarm"), std::string("pull"), o_.image, std::string("--cache"),
                            (scratch->path() / "cache").string(), std::string("--import"),
                            "containerd=" + o_.containerd->socket(), std::string("--namespace"), o_.namespace_name})
        argv.push_back(a);
      ProcessResult r = run_process(argv, scratch->path() / "prewarm.log", env);
      if (r.exit_code != 0)
        throw Error(fmt::format("coldstart prewarm pull --import exited {}: {}", r.exit_code,
                                log_tail(scratch->path() / "prewarm.log")));
    }
    auto argv = ctr_base();
    for (auto a : {"images", "pull"}) argv.push_back(a);
    for (auto& f : ctr_registry_flags()) argv.push_back(f);
    argv.push_back("--platform");
    argv.push_back(o_.platform);
    argv.push_back(registry_reference(o_.image));
    return timed(argv, scratch->path() / "ctr.log", env);
  }

 private:
  bool prewarm_import_available() const {
    if (o_.self_exe.empty()) return false;
    TempDir scratch("coldstart-bench-help-", o_.work_dir);
    const fs::path out = scratch.path() / "help.txt";
    run_process({o_.self_exe.string(), "prewarm", "pull", "--help"}, out);
    std::ifstream in(out);
    std::stringstream text;
    text << in.rdbuf();
    // Without the subcommand CLI11 prints the prewarm group's help instead: insist on its usage line.
    const std::string help = text.str();
    const auto usage = help.find("Usage:");
    const auto line_end = help.find('\n', usage == std::string::npos ? 0 : usage);
    const bool is_pull = usage != std::string::npos &&
                         help.substr(usage, line_end - usage).find("prewarm pull") != std::string::npos;
    return is_pull && help.find("--import") != std::string::npos;
  }
  bool prewarmed_;
};

}  // namespace

std::unique_ptr<Containerd> Containerd::start(const fs::path& work_dir) {
  if (find_program("containerd").empty()) throw Error("containerd is not installed (Debian package containerd)");
  if (::geteuid() != 0)
    throw Error("starting a private containerd needs root (it mounts snapshots)", "run as root or give --containerd SOCKET");
  std::unique_ptr<Containerd> c(new Containerd());
  c->home_ = std::make_unique<TempDir>("csb-ctrd-", socket_dir_parent(work_dir));
  const fs::path home = c->home_->path();
  c->socket_ = (home / "containerd.sock").string();
  fs::create_directories(home / "root");
  fs::create_directories(home / "state");
  fs::create_directories(home / "opt");
  // Minimal config as scripts/testenv.d/containerd.sh: no CRI, only the snapshotters that load.
  write_file_atomic(home / "config.toml", fmt::format(R"(version = 2
root = "{0}/root"
state = "{0}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing"]
[grpc]
  address = "{1}"
[ttrpc]
  address = "{1}.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "{0}/opt"
)",
                                                      home.string(), c->socket_));
  const std::string program = find_program("containerd").string();
  const std::string config = (home / "config.toml").string();
  const std::string log = (home / "containerd.log").string();
  std::vector<char*> args{const_cast<char*>(program.c_str()), const_cast<char*>("--config"),
                          const_cast<char*>(config.c_str()), nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, program.c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw Error(fmt::format("cannot start containerd: {}", std::strerror(rc)));
  c->pid_ = pid;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (true) {
    if (run_process({"ctr", "--address", c->socket_, "version"}).exit_code == 0) break;
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      c->pid_ = 0;
      throw Error(fmt::format("containerd exited at start: {}", log_tail(log)));
    }
    if (std::chrono::steady_clock::now() > deadline)
      throw Error(fmt::format("containerd did not answer on {} within 30 s: {}", c->socket_, log_tail(log)));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return c;
}

std::unique_ptr<Containerd> Containerd::attach(const std::string& socket) {
  if (find_program("ctr").empty()) throw Error("ctr is not installed (Debian package containerd)");
  if (run_process({"ctr", "--address", socket, "version"}).exit_code != 0)
    throw Error(fmt::format("containerd is not answering at {}", socket), "check --containerd SOCKET");
  std::unique_ptr<Containerd> c(new Containerd());
  c->socket_ = socket;
  return c;
}

Containerd::~Containerd() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
}

std::vector<std::unique_ptr<Peer>> make_peers(const std::vector<std::string>& names, const PeerOptions& options) {
  std::vector<std::unique_ptr<Peer>> peers;
  for (const auto& name : names) {
    if (name == "skopeo") {
      peers.push_back(std::make_unique<SkopeoPeer>(options));
    } else if (name == "ctr") {
      peers.push_back(std::make_unique<CtrFetchPeer>(options));
    } else if (name == "containerd") {
      peers.push_back(std::make_unique<CtrPullPeer>(options, false));
      peers.push_back(std::make_unique<CtrPullPeer>(options, true));
    } else {
      throw UsageError(fmt::format("--vs: unknown peer \"{}\"", name), "use skopeo, ctr or containerd");
    }
  }
  return peers;
}

}  // namespace coldstart::cluster
