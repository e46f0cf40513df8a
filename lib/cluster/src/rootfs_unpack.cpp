#include "coldstart/cluster/rootfs_unpack.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <set>
#include <vector>

#include "coldstart/core/error.hpp"

namespace fs = std::filesystem;

namespace coldstart::cluster {

TempDir::TempDir(const std::string& prefix, fs::path parent) {
  if (parent.empty()) {
    const char* env = std::getenv("TMPDIR");
    parent = env && *env ? env : "/tmp";
  }
  std::string pattern = (parent / (prefix + "XXXXXX")).string();
  if (!::mkdtemp(pattern.data()))
    throw Error(fmt::format("cannot create a temporary directory under {}: {}", parent.string(), std::strerror(errno)),
                "set TMPDIR to a writable directory");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

bool exists_no_follow(const fs::path& path, struct stat& st) { return ::lstat(path.c_str(), &st) == 0; }

// An archive entry name must stay relative and never climb: "/etc/x" and "a/../../x" are refused.
std::string checked_name(const std::string& name, const std::string& what) {
  if (name.empty() || name.front() == '/')
    throw Error(fmt::format("{}: refusing entry \"{}\": absolute path", what, name));
  for (const auto& part : split_path(name))
    if (part == "..") throw Error(fmt::format("{}: refusing entry \"{}\": \"..\" would leave the root", what, name));
  std::string trimmed = name;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  return trimmed;
}

void remove_existing(const fs::path& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) throw Error(fmt::format("cannot replace {}: {}", path.string(), ec.message()));
}

void make_parents(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(fmt::format("cannot create directory {}: {}", dir.string(), ec.message()));
}

std::pair<std::string, std::string> split_parent(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return {"", path};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

}  // namespace

fs::path resolve_in_root(const fs::path& root, const std::string& relative, bool follow_last) {
  std::vector<std::string> resolved;
  std::deque<std::string> todo;
  for (auto& part : split_path(relative)) todo.push_back(part);
  int links = 0;
  auto current = [&] {
    fs::path p = root;
    for (const auto& c : resolved) p /= c;
    return p;
  };
  while (!todo.empty()) {
    std::string part = todo.front();
    todo.pop_front();
    if (part == ".") continue;
    if (part == "..") {
      if (!resolved.empty()) resolved.pop_back();
      continue;
    }
    fs::path candidate = current() / part;
    struct stat st {};
    const bool last = todo.empty();
    if ((!last || follow_last) && exists_no_follow(candidate, st) && S_ISLNK(st.st_mode)) {
      if (++links > 40) throw Error(fmt::format("too many levels of symbolic links resolving {}", relative));
      std::error_code ec;
      fs::path target = fs::read_symlink(candidate, ec);
      if (ec) throw Error(fmt::format("cannot read symlink {}: {}", candidate.string(), ec.message()));
      const std::string text = target.string();
      if (!text.empty() && text.front() == '/') resolved.clear();
      auto parts = split_path(text);
      for (auto it = parts.rbegin(); it != parts.rend(); ++it) todo.push_front(*it);
      continue;
    }
    resolved.push_back(part);
  }
  return current();
}

UnpackStats unpack_layer(image::LayerStream& layer, const fs::path& root, const std::string& what) {
  UnpackStats stats;
  std::set<std::string> added;  // names this layer wrote: an opaque marker keeps them
  std::vector<char> buffer(1 << 20);
  image::TarEntry entry;
  while (layer.next(entry)) {
    ++stats.entries;
    const std::string name = checked_name(entry.path, what);
    if (name == "." || name == "./") continue;
    auto [dir, base] = split_parent(name);
    const fs::path parent = resolve_in_root(root, dir, true);

    if (base == ".wh..wh..opq") {
      ++stats.whiteouts;
      std::error_code ec;
      if (fs::is_directory(fs::symlink_status(parent, ec))) {
        std::vector<fs::path> victims;
        for (const auto& child : fs::directory_iterator(parent, ec)) {
          const std::string child_name = dir.empty() ? child.path().filename().string()
                                                     : dir + "/" + child.path().filename().string();
          if (!added.count(child_name)) victims.push_back(child.path());
        }
        for (const auto& victim : victims) remove_existing(victim);
      }
      continue;
    }
    if (base.rfind(".wh.", 0) == 0) {
      ++stats.whiteouts;
      remove_existing(parent / base.substr(4));
      continue;
    }

    make_parents(parent);
    const fs::path target = parent / base;
    struct stat st {};
    const bool exists = exists_no_follow(target, st);
    added.insert(name);
    switch (entry.type) {
      case image::TarEntry::Type::directory: {
        ++stats.directories;
        const bool is_dir = exists && S_ISDIR(st.st_mode);
        if (exists && !is_dir) remove_existing(target);
        if (!is_dir && ::mkdir(target.c_str(), 0700) != 0 && errno != EEXIST)
          throw Error(fmt::format("{}: cannot create directory {}: {}", what, name, std::strerror(errno)));
        ::chmod(target.c_str(), (entry.mode & 07777) | 0700);
        break;
      }
      case image::TarEntry::Type::file: {
        ++stats.files;
        if (exists) remove_existing(target);
        int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) throw Error(fmt::format("{}: cannot create {}: {}", what, name, std::strerror(errno)));
        try {
          for (std::size_t n; (n = layer.read(buffer.data(), buffer.size())) > 0;) {
            for (std::size_t off = 0; off < n;) {
              ssize_t w = ::write(fd, buffer.data() + off, n - off);
              if (w < 0) {
                if (errno == EINTR) continue;
                throw Error(fmt::format("{}: cannot write {}: {}", what, name, std::strerror(errno)));
              }
              off += static_cast<std::size_t>(w);
            }
            stats.bytes_written += n;
          }
        } catch (...) {
          ::close(fd);
          throw;
        }
        ::fchmod(fd, entry.mode & 07777);
        ::close(fd);
        break;
      }
      case image::TarEntry::Type::symlink: {
        ++stats.links;
        if (exists) remove_existing(target);
        if (::symlink(entry.link_target.c_str(), target.c_str()) != 0)
          throw Error(fmt::format("{}: cannot create symlink {}: {}", what, name, std::strerror(errno)));
        break;
      }
      case image::TarEntry::Type::hardlink: {
        ++stats.links;
        const std::string link_name = checked_name(entry.link_target, what);
        auto [link_dir, link_base] = split_parent(link_name);
        const fs::path source = resolve_in_root(root, link_dir, true) / link_base;
        if (exists) remove_existing(target);
        if (::link(source.c_str(), target.c_str()) != 0)
          throw Error(fmt::format("{}: cannot hard-link {} to {}: {}", what, name, link_name, std::strerror(errno)));
        break;
      }
      case image::TarEntry::Type::other:
        ++stats.skipped;
        added.erase(name);
        break;
    }
  }
  return stats;
}

}  // namespace coldstart::cluster
