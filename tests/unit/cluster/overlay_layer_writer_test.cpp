// The overlay upper-directory writer's rules, one by one (the whole against containerd's own
// unpack: tests/integration/prewarm_unpack_fidelity.sh).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>

#include "../image/layer_fixture.hpp"
#include "coldstart/cluster/rootfs_unpack.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/image/file_stream.hpp"
#include "src/overlay_layer_writer.hpp"
#include "src/snapshot_unpack.hpp"

using namespace coldstart;
namespace lf = layer_fixture;
namespace fs = std::filesystem;

namespace {

cluster::detail::UpperWrite write(const fs::path& upper, const std::vector<lf::Entry>& entries, bool bottom = false) {
  image::LayerStream layer(image::open_memory_stream(lf::make_tar(entries)), "application/vnd.oci.image.layer.v1.tar",
                           "test layer");
  return cluster::detail::write_layer_to_upper(layer, upper, bottom, "test layer");
}

}  // namespace

TEST_CASE("chain IDs follow the OCI image spec") {
  const std::string a = "sha256:" + std::string(64, 'a'), b = "sha256:" + std::string(64, 'b'),
                    c = "sha256:" + std::string(64, 'c');
  auto chains = cluster::detail::chain_ids({a, b, c});
  REQUIRE(chains.size() == 3);
  CHECK(chains[0] == a);
  // python3: sha256(f"{a} {b}"), then sha256(f"{chain1} {c}")
  CHECK(chains[1] == "sha256:ccd722928bd92476ba1745586fed6e45a102504185ad88cd89e01ff116fd146c");
  CHECK(chains[2] == "sha256:c1377126441fb2f5ec2c21ae2a60255331d639e830f0ee1b40a36e52d4c40588");
  CHECK(cluster::detail::chain_ids({}).empty());
}

TEST_CASE("an upper layer's whiteouts become overlayfs markers; the bottom layer's remove") {
  if (::geteuid() != 0) return;  // mknod and trusted.* xattrs need root (the suite runs as root)
  cluster::TempDir sandbox("upper-test-");
  auto out = write(sandbox.path(), {lf::dir("app"), lf::whiteout("app/.wh.old"), lf::whiteout("data/.wh..wh..opq"),
                                    lf::file("data/new", "n")});
  struct stat st {};
  REQUIRE(::lstat((sandbox.path() / "app/old").c_str(), &st) == 0);
  CHECK(S_ISCHR(st.st_mode));
  CHECK(st.st_rdev == makedev(0, 0));
  char value = 0;
  CHECK(::lgetxattr((sandbox.path() / "data").c_str(), "trusted.overlay.opaque", &value, 1) == 1);
  CHECK(value == 'y');
  CHECK_FALSE(fs::exists(sandbox.path() / "app/.wh.old"));
  // "data" had no entry of its own: reported, so its attributes can come from a lower layer
  CHECK(out.implicit_dirs == std::vector<std::string>{"data"});
  CHECK(out.diff_id.rfind("sha256:", 0) == 0);

  cluster::TempDir bottom("upper-test-");
  write(bottom.path(), {lf::file("a", "1"), lf::whiteout(".wh.a"), lf::file("b", "2")}, true);
  CHECK_FALSE(fs::exists(bottom.path() / "a"));
  CHECK(fs::exists(bottom.path() / "b"));
}

TEST_CASE("names are cleaned like containerd's, and '..' is refused rather than clamped") {
  cluster::TempDir sandbox("upper-test-");
  write(sandbox.path(), {lf::file("./a//b/./c", "x"), lf::file("/abs", "y")});
  CHECK(fs::exists(sandbox.path() / "a/b/c"));
  CHECK(fs::exists(sandbox.path() / "abs"));
  CHECK_THROWS_AS(write(sandbox.path(), {lf::file("a/../../escape", "z")}), Error);
  CHECK_FALSE(fs::exists(sandbox.path().parent_path() / "escape"));
}

TEST_CASE("a symlink written earlier in the layer is followed inside the upper directory") {
  cluster::TempDir sandbox("upper-test-");
  write(sandbox.path(), {lf::dir("real"), lf::symlink("alias", "/real"), lf::file("alias/f", "through")});
  CHECK(fs::exists(sandbox.path() / "real/f"));
  CHECK(fs::is_symlink(sandbox.path() / "alias"));
}

TEST_CASE("implicit parents take owner and mode from the first lower layer that has them") {
  cluster::TempDir lower("upper-test-"), upper("upper-test-");
  fs::create_directories(lower.path() / "var/log");
  ::chmod((lower.path() / "var/log").c_str(), 0711);
  auto out = write(upper.path(), {lf::file("var/log/b", "b"), lf::file("srv/x", "x")});
  CHECK(out.implicit_dirs == std::vector<std::string>{"var", "var/log", "srv"});
  cluster::detail::copy_parent_attributes(upper.path(), out.implicit_dirs, {lower.path()});
  CHECK((fs::status(upper.path() / "var/log").permissions() & fs::perms::all) == static_cast<fs::perms>(0711));
  CHECK((fs::status(upper.path() / "srv").permissions() & fs::perms::all) == static_cast<fs::perms>(0755));
}
