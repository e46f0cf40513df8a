// Puts an image from an OCI layout cache (what `coldstart prewarm pull --cache DIR` writes) into a
// running containerd, named by its registry reference and unpacked for the snapshotter, so the
// kubelet and `ctr images pull` find it without fetching a layer.
//
// Route (docs/prewarm.md, "Import into containerd"): only the blobs of the one image are streamed as
// an OCI archive tar through a pipe into `ctr images import -`; no temp file, no HTTP server.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace coldstart::cluster {

constexpr const char* kDefaultContainerdSocket = "/run/containerd/containerd.sock";

struct ImportOptions {
  std::string socket = kDefaultContainerdSocket;  // containerd's gRPC socket
  std::string namespace_name = "k8s.io";          // the kubelet's (CRI) namespace
  std::string snapshotter = "overlayfs";          // unpack for this snapshotter
  bool unpack = true;                             // false: content and image record only
  std::string platform;                           // "linux/arm64"; empty: containerd's host platform
  std::string ctr = "ctr";                        // the ctr program; a bare name is looked up on PATH
  bool verify = true;                             // hash each blob as it streams; a mismatch aborts
  // Who writes the layers into snapshots: coldstart, several layers at once, before the import
  // (containerd's unpack then finds them committed), or containerd alone, one after another.
  enum class Unpacker { coldstart, containerd };
  Unpacker unpacker = Unpacker::coldstart;
  int unpack_jobs = 0;                            // layers written at once; 0: one per core, at least 2
};

struct ImportResult {
  std::vector<std::string> image_names;  // names created in containerd: "reg/repo:tag", "reg/repo@sha256:..."
  std::string target_digest;             // manifest (or index) digest the names point at
  std::string target_media_type;
  std::uint64_t bytes = 0;               // blob bytes streamed into containerd
  std::size_t blobs = 0;
  bool unpacked = false;
  double seconds = 0;
  // With Unpacker::coldstart: what the pre-unpack did before containerd's import.
  std::size_t layers = 0;            // of the platform image
  std::size_t layers_present = 0;    // snapshots that already existed (skipped)
  std::size_t layers_by_coldstart = 0;
  std::string left_to_containerd;    // why containerd unpacked (some of) the layers itself
  double unpack_seconds = 0;         // coldstart's part
  double import_seconds = 0;         // ctr images import: ingest, and the unpack left to containerd
};

// Imports `image_reference` (a registry reference such as "127.0.0.1:5000/aigc:v5" or
// "repo@sha256:...") from the OCI layout at `layout_dir`. The image is found in the layout's
// index.json by digest, by its io.containerd.image.name annotation, or by its
// org.opencontainers.image.ref.name (full reference or tag). Every blob of the image (for an index:
// of each platform present in the layout) must be in the layout.
// Throws coldstart::Error with one line naming the layout or socket and what to try: layout
// missing or incomplete, blob corrupt, containerd not running, socket permission, ctr missing,
// ctr failed (with its last message).
ImportResult import_into_containerd(const std::filesystem::path& layout_dir, const std::string& image_reference,
                                    const ImportOptions& options = {});

// Parses the value of `--import containerd[=SOCKET]`: "containerd" alone takes $CONTAINERD_ADDRESS
// when set (as ctr does), else kDefaultContainerdSocket. Throws UsageError for another runtime or an
// empty socket. The other fields keep their defaults (set --namespace etc. on the result).
ImportOptions parse_import_flag(const std::string& value);

// The name containerd and the kubelet use for a reference: docker.io instead of
// registry-1.docker.io, "library/" kept ("docker.io/library/ubuntu:22.04").
std::string containerd_image_name(const std::string& image_reference);

}  // namespace coldstart::cluster
