#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../image/layer_fixture.hpp"
#include "coldstart/cluster/rootfs_unpack.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/image/file_stream.hpp"

using namespace coldstart;
namespace lf = layer_fixture;
using lf::Entry;
namespace fs = std::filesystem;

namespace {

cluster::UnpackStats apply(const fs::path& root, const std::vector<Entry>& entries) {
  image::LayerStream layer(image::open_memory_stream(make_tar(entries)), "application/vnd.oci.image.layer.v1.tar",
                           "test layer");
  return cluster::unpack_layer(layer, root, "test layer");
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("layers stack: files, directories, symlinks and hard links land under the root") {
  cluster::TempDir sandbox("unpack-test-");
  const fs::path root = sandbox.path() / "rootfs";
  fs::create_directory(root);
  auto stats = apply(root, {lf::dir("etc"), lf::file("etc/os-release", "debian"), lf::symlink("etc/alias", "os-release"),
                            lf::hardlink("etc/copy", "etc/os-release"), lf::file("usr/bin/tool", "#!")});
  CHECK(stats.files == 2);
  CHECK(stats.links == 2);
  CHECK(stats.bytes_written == 8);
  CHECK(slurp(root / "etc/os-release") == "debian");
  CHECK(fs::read_symlink(root / "etc/alias") == "os-release");
  CHECK(fs::hard_link_count(root / "etc/copy") == 2);
  CHECK(slurp(root / "usr/bin/tool") == "#!");
  // an upper layer replaces a file
  apply(root, {lf::file("etc/os-release", "ubuntu")});
  CHECK(slurp(root / "etc/os-release") == "ubuntu");
}

TEST_CASE("whiteouts delete lower-layer entries; an opaque directory keeps only this layer's") {
  cluster::TempDir sandbox("unpack-test-");
  const fs::path root = sandbox.path();
  apply(root, {lf::file("app/a", "1"), lf::file("app/b", "2"), lf::file("app/sub/c", "3"), lf::file("keep", "k")});
  auto stats = apply(root, {lf::whiteout("app/.wh.a"), lf::whiteout(".wh.keep-nothing")});
  CHECK(stats.whiteouts == 2);
  CHECK_FALSE(fs::exists(root / "app/a"));
  CHECK(fs::exists(root / "app/b"));
  CHECK(fs::exists(root / "keep"));
  apply(root, {lf::dir("app"), lf::file("app/new", "n"), lf::whiteout("app/.wh..wh..opq"), lf::file("app/later", "l")});
  CHECK(fs::exists(root / "app/new"));
  CHECK(fs::exists(root / "app/later"));
  CHECK_FALSE(fs::exists(root / "app/b"));
  CHECK_FALSE(fs::exists(root / "app/sub"));
  CHECK_FALSE(fs::exists(root / "app/.wh..wh..opq"));
}

TEST_CASE("nothing is written outside the root") {
  cluster::TempDir sandbox("unpack-test-");
  const fs::path root = sandbox.path() / "rootfs";
  const fs::path outside = sandbox.path() / "outside";
  fs::create_directory(root);
  fs::create_directory(outside);
  CHECK_THROWS_AS(apply(root, {lf::file("../escape", "x")}), Error);
  CHECK_THROWS_AS(apply(root, {lf::file("a/../../escape", "x")}), Error);
  CHECK_THROWS_AS(apply(root, {lf::hardlink("h", "../outside/secret")}), Error);
  CHECK_FALSE(fs::exists(sandbox.path() / "escape"));
  // a symlink pointing out of the root is resolved inside it, as in a chroot
  apply(root, {lf::symlink("evil", outside.string()), lf::file("evil/planted", "x")});
  CHECK(fs::is_empty(outside));
  CHECK(fs::exists(root / outside.relative_path() / "planted"));
  apply(root, {lf::symlink("up", "../../.."), lf::file("up/planted2", "y")});
  CHECK(fs::exists(root / "planted2"));
  CHECK_FALSE(fs::exists(sandbox.path() / "planted2"));
}

TEST_CASE("resolve_in_root clamps .. at the root and follows relative links") {
  cluster::TempDir sandbox("unpack-test-");
  const fs::path root = sandbox.path();
  fs::create_directories(root / "usr/lib");
  fs::create_directory_symlink("usr/lib", root / "lib");
  CHECK(cluster::resolve_in_root(root, "lib/x", true) == root / "usr/lib/x");
  CHECK(cluster::resolve_in_root(root, "../../lib", true) == root / "usr/lib");
  CHECK(cluster::resolve_in_root(root, "lib", false) == root / "lib");
}

TEST_CASE("the temporary directory is removed with everything in it") {
  fs::path kept;
  {
    cluster::TempDir tmp("unpack-test-");
    kept = tmp.path();
    fs::create_directories(kept / "a/b");
    std::ofstream(kept / "a/b/f") << "x";
    fs::permissions(kept / "a", fs::perms::owner_read | fs::perms::owner_exec);
    fs::permissions(kept / "a", fs::perms::owner_all);
  }
  CHECK_FALSE(fs::exists(kept));
}
