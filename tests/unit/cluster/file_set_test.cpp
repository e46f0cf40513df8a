#include <doctest/doctest.h>

#include "coldstart/cluster/file_set.hpp"
#include "coldstart/core/error.hpp"
#include "temp_dir.hpp"

using namespace coldstart;
using namespace coldstart::cluster;

namespace {
std::vector<std::string> names(const std::vector<FileEntry>& files, const std::filesystem::path& base) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(std::filesystem::relative(f.path, base).string());
  return out;
}
}  // namespace

TEST_CASE("expand_paths: files, directories recursively, globs, each file once") {
  test::TempDir dir;
  dir.write("models/a.safetensors", 10);
  dir.write("models/sub/b.safetensors", 20);
  dir.write("models/readme.txt", 5);
  dir.write("other.bin", 7);
  auto base = dir.path();

  auto files = expand_paths({(base / "models").string()});
  CHECK(names(files, base) == std::vector<std::string>{"models/a.safetensors", "models/readme.txt", "models/sub/b.safetensors"});
  CHECK(files[1].size_bytes == 5);

  files = expand_paths({(base / "models/*.safetensors").string(), (base / "other.bin").string()});
  CHECK(names(files, base) == std::vector<std::string>{"models/a.safetensors", "other.bin"});

  // The same file through a file argument and its directory counts once.
  files = expand_paths({(base / "other.bin").string(), base.string()});
  CHECK(files.size() == 4);
  CHECK(names(files, base)[0] == "other.bin");
}

TEST_CASE("expand_paths: a missing path or a glob matching nothing is one clear error") {
  test::TempDir dir;
  CHECK_THROWS_WITH_AS(expand_paths({(dir.path() / "nope.bin").string()}),
                       doctest::Contains("cannot read"), Error);
  CHECK_THROWS_WITH_AS(expand_paths({(dir.path() / "*.safetensors").string()}),
                       doctest::Contains("matches no file"), Error);
  CHECK_THROWS_AS(expand_paths({}), UsageError);
}
