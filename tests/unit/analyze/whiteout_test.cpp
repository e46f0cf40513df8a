// FilesystemTree: whiteouts, opaque directories and the N-1 waste accounting.
#include <doctest/doctest.h>

#include <map>
#include <tuple>

#include "coldstart/analyze/filesystem_tree.hpp"
#include "coldstart/analyze/layer_changes.hpp"

using namespace coldstart::analyze;
using Kind = FilesystemTree::Kind;

namespace {
bool present(const FilesystemTree& tree, std::string_view path) {
  auto n = tree.find(path);
  return n && n->present;
}
}  // namespace

TEST_CASE("an overwritten file is charged to the layer that shipped it, once per hidden copy") {
  FilesystemTree tree(3);
  tree.add("app/model.bin", Kind::file, 1000, 0);
  tree.add("app/model.bin", Kind::file, 1000, 1);  // attribute-only change: same bytes re-shipped
  tree.add("app/model.bin", Kind::file, 400, 2);
  CHECK(tree.waste()[0].bytes == 1000);
  CHECK(tree.waste()[1].bytes == 1000);
  CHECK(tree.waste()[2].bytes == 0);
  CHECK(tree.find("app/model.bin")->size == 400);
  CHECK(tree.find("app/model.bin")->layer == 2);
  auto wasted = tree.wasted_paths(10);
  REQUIRE(wasted.size() == 1);
  CHECK(wasted[0].path == "/app/model.bin");
  CHECK(wasted[0].bytes == 2000);
  CHECK(wasted[0].copies == 3);
  CHECK_FALSE(wasted[0].deleted);
}

TEST_CASE("a whiteout deletes a file or a whole directory from lower layers") {
  FilesystemTree tree(2);
  tree.add("var/cache/apt/a.deb", Kind::file, 300, 0);
  tree.add("var/cache/apt/b.deb", Kind::file, 200, 0);
  tree.add("etc/passwd", Kind::file, 50, 0);
  tree.remove("var/cache/apt");
  tree.remove("etc/passwd");
  tree.remove("does/not/exist");  // allowed, no effect
  CHECK_FALSE(present(tree, "var/cache/apt"));
  CHECK_FALSE(present(tree, "var/cache/apt/a.deb"));
  CHECK(present(tree, "var/cache"));
  CHECK(tree.waste()[0].bytes == 550);
  CHECK(tree.waste()[0].files == 3);
  auto wasted = tree.wasted_paths(1);
  REQUIRE(wasted.size() == 1);
  CHECK(wasted[0].path == "/var/cache/apt/a.deb");
  CHECK(wasted[0].deleted);
  // Re-adding a deleted directory does not bring its old contents back.
  tree.add("var/cache/apt", Kind::directory, 0, 1);
  CHECK(present(tree, "var/cache/apt"));
  CHECK_FALSE(present(tree, "var/cache/apt/a.deb"));
}

TEST_CASE("an opaque directory hides lower contents but keeps the directory") {
  FilesystemTree tree(2);
  tree.add("opt/app/old.py", Kind::file, 10, 0);
  tree.add("opt/app/sub/deep.py", Kind::file, 20, 0);
  tree.clear_directory("opt/app");
  tree.add("opt/app/new.py", Kind::file, 5, 1);
  CHECK(present(tree, "opt/app"));
  CHECK_FALSE(present(tree, "opt/app/old.py"));
  CHECK_FALSE(present(tree, "opt/app/sub/deep.py"));
  CHECK(present(tree, "opt/app/new.py"));
  CHECK(tree.waste()[0].bytes == 30);
  CHECK(tree.waste()[1].bytes == 0);
}

TEST_CASE("replacing a directory by a file hides everything below it; a file in the way of a path becomes a directory") {
  FilesystemTree tree(3);
  tree.add("data/a", Kind::file, 7, 0);
  tree.add("data/b/c", Kind::file, 8, 0);
  tree.add("data", Kind::symlink, 0, 1);
  CHECK(tree.find("data")->kind == Kind::symlink);
  CHECK_FALSE(present(tree, "data/b/c"));
  CHECK(tree.waste()[0].bytes == 15);
  tree.add("lib", Kind::file, 9, 0);
  tree.add("lib/x.so", Kind::file, 1, 2);
  CHECK(tree.find("lib")->kind == Kind::directory);
  CHECK(tree.waste()[0].bytes == 24);
}

TEST_CASE("walk reports the final filesystem with directory totals; hard links add no bytes") {
  FilesystemTree tree(2);
  tree.add("usr/lib/a.so", Kind::file, 100, 0);
  tree.add("usr/lib/b.so", Kind::file, 50, 0);
  tree.add("usr/lib/b-again.so", Kind::hardlink, 0, 0);
  tree.add("usr/bin", Kind::directory, 0, 0);
  tree.add("usr/bin/sh", Kind::symlink, 0, 1);
  tree.remove("usr/lib/a.so");
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> dirs;
  std::vector<std::string> entries;
  tree.walk([&](std::string_view path, const FilesystemTree::NodeInfo&) { entries.emplace_back(path); },
            [&](std::string_view path, std::uint64_t bytes, std::uint64_t files) {
              dirs[std::string(path)] = {bytes, files};
            });
  CHECK(entries.size() == 6);  // usr, usr/lib, b.so, b-again.so, usr/bin, sh
  CHECK(dirs.at("/usr/lib") == std::pair<std::uint64_t, std::uint64_t>{50, 2});
  CHECK(dirs.at("/usr") == std::pair<std::uint64_t, std::uint64_t>{50, 2});
  CHECK(dirs.at("/") == std::pair<std::uint64_t, std::uint64_t>{50, 2});
  CHECK(dirs.at("/usr/bin") == std::pair<std::uint64_t, std::uint64_t>{0, 0});
}

TEST_CASE("layer changes round-trip through the compact encoding") {
  LayerChanges changes;
  changes.append(LayerChanges::Op::directory, "usr/lib");
  changes.append(LayerChanges::Op::file, "usr/lib/libz.so.1", 123456789012ull);
  changes.append(LayerChanges::Op::whiteout, "usr/lib/old");
  changes.append(LayerChanges::Op::opaque, "etc");
  std::vector<std::tuple<LayerChanges::Op, std::string, std::uint64_t>> seen;
  changes.for_each([&](LayerChanges::Op op, std::string_view path, std::uint64_t size) {
    seen.emplace_back(op, std::string(path), size);
  });
  REQUIRE(seen.size() == 4);
  CHECK(std::get<1>(seen[1]) == "usr/lib/libz.so.1");
  CHECK(std::get<2>(seen[1]) == 123456789012ull);
  CHECK(std::get<0>(seen[2]) == LayerChanges::Op::whiteout);
  CHECK(std::get<1>(seen[3]) == "etc");
  CHECK(changes.count() == 4);
}

TEST_CASE("a hard link shares its target's bytes: deleting either name keeps the other whole") {
  for (bool delete_original : {true, false}) {
    CAPTURE(delete_original);
    FilesystemTree tree(2);
    tree.add("usr/share/zoneinfo/UTC", Kind::file, 1000, 0);
    tree.add_hardlink("usr/share/zoneinfo/Etc/UTC", "usr/share/zoneinfo/UTC", 0);
    CHECK(tree.find("usr/share/zoneinfo/Etc/UTC")->size == 1000);
    std::string gone = delete_original ? "usr/share/zoneinfo/UTC" : "usr/share/zoneinfo/Etc/UTC";
    std::string kept = delete_original ? "usr/share/zoneinfo/Etc/UTC" : "usr/share/zoneinfo/UTC";
    tree.remove(gone);
    CHECK_FALSE(present(tree, gone));
    REQUIRE(present(tree, kept));
    CHECK(tree.find(kept)->size == 1000);
    CHECK(tree.waste()[0].bytes == 0);  // the inode is still visible under the other name
    CHECK(tree.waste()[0].files == 0);
    CHECK(tree.wasted_paths(10).empty());
    std::uint64_t root_bytes = 0;
    tree.walk([](std::string_view, const FilesystemTree::NodeInfo&) {},
              [&](std::string_view path, std::uint64_t bytes, std::uint64_t) {
                if (path == "/") root_bytes = bytes;
              });
    CHECK(root_bytes == 1000);
    // The last name going wastes the bytes once, charged to the layer that shipped them.
    tree.remove(kept);
    CHECK(tree.waste()[0].bytes == 1000);
    CHECK(tree.waste()[0].files == 1);
    CHECK(tree.waste()[1].bytes == 0);
  }
}

TEST_CASE("overwriting one name of a hard-linked file wastes nothing while the other name stays") {
  FilesystemTree tree(3);
  tree.add("bin/python3.11", Kind::file, 500, 0);
  tree.add_hardlink("bin/python3", "bin/python3.11", 0);
  tree.add_hardlink("bin/python", "bin/python3", 0);  // a link to a link joins the same inode
  tree.add("bin/python3.11", Kind::file, 600, 1);     // a new file at the original name
  CHECK(tree.waste()[0].bytes == 0);
  CHECK(tree.find("bin/python3")->size == 500);
  tree.add("bin/python3", Kind::file, 700, 2);
  CHECK(tree.waste()[0].bytes == 0);  // bin/python still holds the layer-0 bytes
  tree.add("bin/python", Kind::file, 800, 2);
  CHECK(tree.waste()[0].bytes == 500);
  CHECK(tree.waste()[0].files == 1);
  // Both names present: walk counts the inode once and says which name came second.
  FilesystemTree both(1);
  both.add("a", Kind::file, 10, 0);
  both.add_hardlink("b", "a", 0);
  std::uint64_t total = 0, seconds = 0;
  both.walk(
      [&](std::string_view, const FilesystemTree::NodeInfo& n) {
        CHECK(n.size == 10);
        if (!n.first_link) ++seconds;
      },
      [&](std::string_view path, std::uint64_t bytes, std::uint64_t) {
        if (path == "/") total = bytes;
      });
  CHECK(total == 10);
  CHECK(seconds == 1);
  // A link whose target is missing carries no bytes.
  both.add_hardlink("c", "missing", 0);
  CHECK(both.find("c")->kind == Kind::hardlink);
  CHECK(both.find("c")->size == 0);
}

TEST_CASE("a symlinked parent directory is resolved: files land under its target") {
  FilesystemTree tree(3);
  tree.add("usr/lib", Kind::directory, 0, 0);
  tree.add_symlink("lib", "usr/lib", 0);                 // relative, as in merged-/usr images
  tree.add_symlink("usr/lib64", "/usr/lib", 0);          // absolute
  tree.add_symlink("opt/app", "../srv/app", 0);          // dangling: the target is created
  tree.add("lib/libc.so.6", Kind::file, 100, 1);
  tree.add("usr/lib64/ld.so", Kind::file, 10, 1);
  tree.add("opt/app/main.py", Kind::file, 5, 1);
  CHECK(tree.find("lib")->kind == Kind::symlink);
  CHECK(tree.find("usr/lib/libc.so.6")->size == 100);
  CHECK(tree.find("usr/lib/ld.so")->size == 10);
  CHECK(tree.find("srv/app/main.py")->size == 5);
  CHECK(tree.find("opt/app")->kind == Kind::symlink);
  CHECK(tree.find("lib/libc.so.6")->size == 100);  // lookups resolve parents too
  // A whiteout through the link deletes the file at the target.
  tree.remove("lib/libc.so.6");
  CHECK_FALSE(present(tree, "usr/lib/libc.so.6"));
  CHECK(tree.waste()[1].bytes == 100);
}

TEST_CASE("symlinked parents never escape the root and loops are bounded") {
  FilesystemTree tree(2);
  tree.add_symlink("escape", "../../../../etc", 0);
  tree.add("escape/passwd", Kind::file, 7, 1);
  CHECK(tree.find("etc/passwd")->size == 7);  // ".." stops at the root
  tree.add_symlink("a", "b", 0);
  tree.add_symlink("b", "a", 0);
  tree.add("a/x", Kind::file, 3, 1);  // a loop: the link in the way becomes a directory
  CHECK(tree.find("a")->kind == Kind::directory);
  CHECK(tree.find("a/x")->size == 3);
  tree.add_symlink("file-link", "etc/passwd", 0);
  tree.add("file-link/y", Kind::file, 1, 1);  // a link to a file is no directory either
  CHECK(tree.find("etc/passwd")->kind == Kind::file);
  CHECK(tree.find("file-link")->kind == Kind::directory);
  tree.add_symlink("root", "/", 0);
  tree.add("root/z", Kind::file, 2, 1);
  CHECK(tree.find("z")->size == 2);
  tree.add("nowhere", Kind::symlink, 0, 0);  // no target known: a link that leads nowhere is in the way
  tree.add("nowhere/w", Kind::file, 4, 1);
  CHECK(tree.find("nowhere")->kind == Kind::directory);
  CHECK(tree.find("nowhere/w")->size == 4);
}
