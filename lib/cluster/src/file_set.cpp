#include "coldstart/cluster/file_set.hpp"

#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <system_error>
#include <utility>

#include "coldstart/core/error.hpp"

namespace coldstart::cluster {
namespace fs = std::filesystem;

namespace {

bool has_glob_characters(const std::string& text) { return text.find_first_of("*?[") != std::string::npos; }

std::vector<std::string> glob_matches(const std::string& pattern) {
  glob_t g{};
  int rc = ::glob(pattern.c_str(), GLOB_BRACE, nullptr, &g);
  std::vector<std::string> out;
  if (rc == 0)
    for (std::size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  globfree(&g);
  return out;
}

class Collector {
 public:
  explicit Collector(std::vector<FileEntry>& out) : out_(out) {}

  void add(const fs::path& path, const std::string& argument) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      std::error_code ec(errno, std::generic_category());
      throw Error("prewarm files: cannot read " + path.string() + ": " + ec.message(),
                  "check the path; a glob must match at least one file");
    }
    if (S_ISDIR(st.st_mode)) return add_directory(path);
    if (!S_ISREG(st.st_mode)) throw Error("prewarm files: " + argument + " is not a regular file or directory");
    add_file(path, st);
  }

 private:
  void add_file(const fs::path& path, const struct stat& st) {
    if (!seen_.insert({st.st_dev, st.st_ino}).second) return;
    out_.push_back({path, static_cast<std::uint64_t>(st.st_size)});
  }

  void add_directory(const fs::path& dir) {
    std::error_code ec;
    std::vector<fs::path> files;
    fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec), end;
    if (ec) throw Error("prewarm files: cannot list " + dir.string() + ": " + ec.message());
    for (; it != end; it.increment(ec)) {
      if (ec) throw Error("prewarm files: cannot list " + dir.string() + ": " + ec.message());
      std::error_code sec;
      if (it->is_regular_file(sec)) files.push_back(it->path());  // follows symlinks to files
    }
    std::sort(files.begin(), files.end());  // stable order: reports do not depend on readdir order
    for (const auto& f : files) {
      struct stat st {};
      if (::stat(f.c_str(), &st) == 0 && S_ISREG(st.st_mode)) add_file(f, st);
    }
  }

  std::vector<FileEntry>& out_;
  std::set<std::pair<dev_t, ino_t>> seen_;
};

}  // namespace

std::vector<FileEntry> expand_paths(const std::vector<std::string>& arguments) {
  if (arguments.empty()) throw UsageError("prewarm files: give at least one PATH (file, directory or glob)");
  std::vector<FileEntry> out;
  Collector collector(out);
  for (const auto& argument : arguments) {
    struct stat st {};
    if (has_glob_characters(argument) && ::stat(argument.c_str(), &st) != 0) {
      auto matches = glob_matches(argument);
      if (matches.empty())
        throw Error("prewarm files: " + argument + " matches no file", "check the pattern and that the files exist");
      for (const auto& m : matches) collector.add(m, argument);
    } else {
      collector.add(argument, argument);
    }
  }
  return out;
}

}  // namespace coldstart::cluster
