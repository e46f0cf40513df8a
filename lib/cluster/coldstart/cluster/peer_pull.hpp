// The peers `bench pull --vs` runs on the same image in the same run: skopeo copy to a directory,
// ctr content fetch, ctr images pull (unpacked) against a containerd, and the same ctr images pull
// after `coldstart prewarm pull --import containerd` (the cache lever: cold against prewarmed).
// Every sample starts cold: the peer's target directory is fresh and the containerd namespace is
// emptied (images removed with a synchronous GC, leftover content removed) before it.
#pragma once
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "coldstart/cluster/rootfs_unpack.hpp"

namespace coldstart::cluster {

// A containerd for the benchmark: either one started here (root only) in a temp dir with its own
// --root, --state and socket, stopped on destruction, or the one at a given socket.
class Containerd {
 public:
  // Starts a private containerd under `work_dir` ($TMPDIR when empty). Throws Error when it
  // cannot (not root, not installed, did not answer within 30 s).
  static std::unique_ptr<Containerd> start(const std::filesystem::path& work_dir);
  // Uses a running containerd at `socket`; throws Error when it does not answer.
  static std::unique_ptr<Containerd> attach(const std::string& socket);
  ~Containerd();
  Containerd(const Containerd&) = delete;
  Containerd& operator=(const Containerd&) = delete;
  const std::string& socket() const { return socket_; }
  bool owned() const { return pid_ > 0; }

 private:
  Containerd() = default;
  std::string socket_;
  int pid_ = 0;
  std::unique_ptr<TempDir> home_;
};

struct PeerOptions {
  std::string image;                    // as the user wrote it
  std::set<std::string> plain_http;     // registries over http://
  std::set<std::string> insecure;       // registries without TLS verification
  std::string platform = "linux/amd64";
  std::filesystem::path work_dir;       // temp dirs go here ($TMPDIR when empty)
  std::filesystem::path self_exe;       // this coldstart binary, for prewarm pull --import
  std::vector<std::string> self_global_args;  // global flags passed on to it (--plain-http ...)
  Containerd* containerd = nullptr;     // for the ctr peers; null: they give a note
  std::string namespace_name = "coldstart-bench";
};

// One peer. available() is false with a note (not installed, needs a registry image, ...); then
// the benchmark shows the note instead of numbers.
class Peer {
 public:
  virtual ~Peer() = default;
  virtual std::string name() const = 0;      // "skopeo", "ctr-fetch", "ctr-pull", "ctr-pull-prewarmed"
  virtual std::string command() const = 0;  // what it runs, for the output
  virtual std::optional<std::string> unavailable() const = 0;  // the note, when it cannot run
  // Makes the next sample cold (fresh target, empty namespace) and prepares what the peer needs
  // untimed (the prewarm import); then runs and times the peer. Throws Error when the peer fails.
  virtual double run_sample() = 0;
};

// The peers for --vs NAMES (skopeo, ctr, containerd); "ctr" = ctr content fetch, "containerd" =
// ctr images pull plus its prewarmed variant. Throws UsageError on an unknown name.
std::vector<std::unique_ptr<Peer>> make_peers(const std::vector<std::string>& names, const PeerOptions& options);

}  // namespace coldstart::cluster
