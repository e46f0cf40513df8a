// write_layer_to_upper: containerd's applier, rule for rule (see the header), in C++.
#include "overlay_layer_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "coldstart/cluster/rootfs_unpack.hpp"
#include "coldstart/core/error.hpp"

namespace fs = std::filesystem;

namespace coldstart::cluster::detail {

namespace {

constexpr const char* kWhiteoutPrefix = ".wh.";
constexpr const char* kOpaqueMarker = ".wh..wh..opq";
constexpr const char* kOpaqueXattr = "trusted.overlay.opaque";

[[noreturn]] void fail(const std::string& what, const std::string& action, const std::string& name, int error) {
  throw Error(fmt::format("{}: cannot {} {}: {}", what, action, name, std::strerror(error)));
}

// filepath.Clean for archive names, minus "..": components joined by one '/', "." dropped, a
// leading '/' ignored (containerd resolves the name under the root either way).
std::string clean_name(const std::string& raw, const std::string& what) {
  std::string out;
  std::size_t start = 0;
  while (start <= raw.size()) {
    std::size_t end = raw.find('/', start);
    if (end == std::string::npos) end = raw.size();
    std::string part = raw.substr(start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") throw Error(fmt::format("{}: entry \"{}\" climbs with \"..\"", what, raw));
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

std::pair<std::string, std::string> split_last(const std::string& name) {
  auto slash = name.rfind('/');
  if (slash == std::string::npos) return {"", name};
  return {name.substr(0, slash), name.substr(slash + 1)};
}

bool lstat_path(const fs::path& path, struct stat& st) { return ::lstat(path.c_str(), &st) == 0; }

// Go's boundTime: times before the epoch (or past 2262) become the epoch.
struct timespec bounded(std::int64_t sec, std::int64_t nsec) {
  if (sec < 0) return {0, 0};
  return {static_cast<time_t>(sec), static_cast<long>(nsec)};
}

void set_times(const fs::path& path, const image::TarEntry& e, const std::string& what) {
  struct timespec mtime = bounded(e.mtime_sec, e.mtime_nsec);
  struct timespec atime = mtime;  // latestTime(atime, mtime)
  if (e.has_atime && (e.atime_sec > e.mtime_sec || (e.atime_sec == e.mtime_sec && e.atime_nsec > e.mtime_nsec)))
    atime = bounded(e.atime_sec, e.atime_nsec);
  struct timespec times[2] = {atime, mtime};
  if (::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) fail(what, "set times of", path, errno);
}

void remove_path(const fs::path& path, const std::string& what) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) throw Error(fmt::format("{}: cannot replace {}: {}", what, path.string(), ec.message()));
}

fs::path without_trailing_slash(const fs::path& path) {
  std::string s = path.string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

class UpperWriter {
 public:
  UpperWriter(const fs::path& upper, bool bottom, const std::string& what)
      : upper_(without_trailing_slash(upper)), prefix_(upper_.string() + "/"), bottom_(bottom), what_(what) {}

  UpperWrite run(image::LayerStream& layer) {
    UpperWrite out;
    image::TarEntry e;
    while (layer.next(e)) {
      ++out.entries;
      apply(layer, e, out);
    }
    // Directory times last: creating entries inside them moved their mtime.
    for (const auto& [name, entry] : dirs_) set_times(resolve_in_root(upper_, name, true), entry, what_);
    for (const auto& dir : implicit_order_)
      if (implicit_.count(dir)) out.implicit_dirs.push_back(dir);
    out.diff_id = layer.diff_id();
    return out;
  }

 private:
  std::string relative(const fs::path& path) const {
    const std::string s = path.string();
    return s.size() > prefix_.size() ? s.substr(prefix_.size()) : std::string();
  }

  // mkparent: every missing directory up to `dir` is created 0755 and remembered as implicit.
  void make_parent(const fs::path& dir) {
    // resolve_in_root keeps every path under upper_; the length check only guards the recursion.
    if (dir == upper_ || dir.string().size() <= upper_.string().size()) return;
    struct stat st {};
    if (lstat_path(dir, st)) {
      if (S_ISDIR(st.st_mode)) return;
      fail(what_, "create a directory over", dir, ENOTDIR);
    }
    make_parent(dir.parent_path());
    if (::mkdir(dir.c_str(), 0755) != 0) {
      if (errno == EEXIST && lstat_path(dir, st) && S_ISDIR(st.st_mode)) return;
      fail(what_, "create directory", dir, errno);
    }
    ::chmod(dir.c_str(), 0755);  // not subject to our umask: containerd runs with 022
    const std::string rel = relative(dir);
    implicit_.insert(rel);
    implicit_order_.push_back(rel);
  }

  // The resolved, existing parent directory of an entry. Entries come directory by directory, so
  // the resolution (an lstat per component) is remembered until a symlink or a removal could
  // change it.
  fs::path parent_of(const std::string& dir) {
    if (auto it = parents_.find(dir); it != parents_.end()) return it->second;
    fs::path parent = resolve_in_root(upper_, dir, true);
    make_parent(parent);
    parents_.emplace(dir, parent);
    return parent;
  }

  void whiteout(const image::TarEntry& e, const fs::path& parent, const std::string& base, const fs::path& path) {
    if (base == kOpaqueMarker) {
      if (!bottom_) {
        if (::lsetxattr(parent.c_str(), kOpaqueXattr, "y", 1, 0) != 0) fail(what_, "mark opaque", parent, errno);
        return;
      }
      // Bottom layer: keep only what this layer wrote below the directory.
      std::error_code ec;
      std::vector<fs::path> victims;
      for (auto it = fs::recursive_directory_iterator(parent, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        if (!unpacked_.count(it->path().string())) {
          victims.push_back(it->path());
          it.disable_recursion_pending();
        }
      }
      for (const auto& victim : victims) remove(victim);
      return;
    }
    const std::string original = base.substr(std::strlen(kWhiteoutPrefix));
    if (original.empty() || original == "." || original == "..")
      throw Error(fmt::format("{}: invalid whiteout name {}", what_, path.string()));
    const fs::path target = parent / original;
    if (bottom_) {
      remove(target);
      return;
    }
    if (::mknod(target.c_str(), S_IFCHR, makedev(0, 0)) != 0) fail(what_, "create whiteout", target, errno);
    if (::lchown(target.c_str(), static_cast<uid_t>(e.uid), static_cast<gid_t>(e.gid)) != 0)
      fail(what_, "chown whiteout", target, errno);
  }

  void write_file(image::LayerStream& layer, const image::TarEntry& e, const fs::path& path, UpperWrite& out) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, e.mode & 07777);
    if (fd < 0) fail(what_, "create", path, errno);
    try {
      for (std::size_t n; (n = layer.read(buffer_.data(), buffer_.size())) > 0;) {
        for (std::size_t off = 0; off < n;) {
          ssize_t w = ::write(fd, buffer_.data() + off, n - off);
          if (w < 0) {
            if (errno == EINTR) continue;
            fail(what_, "write", path, errno);
          }
          off += static_cast<std::size_t>(w);
        }
        out.bytes += n;
      }
    } catch (...) {
      ::close(fd);
      throw;
    }
    if (::close(fd) != 0) fail(what_, "write", path, errno);
  }

  void apply(image::LayerStream& layer, const image::TarEntry& e, UpperWrite& out) {
    const std::string name = clean_name(e.path, what_);
    if (name.empty()) return;  // the root itself: containerd ignores it
    auto [dir, base] = split_last(name);
    const fs::path parent = parent_of(dir);
    const fs::path path = parent / base;

    if (base.rfind(kWhiteoutPrefix, 0) == 0) {
      whiteout(e, parent, base, path);
      return;
    }
    const bool is_dir_entry = e.type == image::TarEntry::Type::directory;
    struct stat st {};
    if (lstat_path(path, st) && !(S_ISDIR(st.st_mode) && is_dir_entry)) remove(path);
    implicit_.erase(relative(path));

    switch (e.type) {
      case image::TarEntry::Type::directory:
        if (!(lstat_path(path, st) && S_ISDIR(st.st_mode)) && ::mkdir(path.c_str(), e.mode & 07777) != 0)
          fail(what_, "create directory", path, errno);
        break;
      case image::TarEntry::Type::file: write_file(layer, e, path, out); break;
      case image::TarEntry::Type::symlink:
        if (::symlink(e.link_target.c_str(), path.c_str()) != 0) fail(what_, "create symlink", path, errno);
        parents_.clear();
        break;
      case image::TarEntry::Type::hardlink: {
        // hardlinkRootPath: the target's parent resolved inside the root, its last part kept.
        const std::string target_name = clean_name(e.link_target, what_);
        auto [target_dir, target_base] = split_last(target_name);
        fs::path target = target_name.empty() ? upper_ : resolve_in_root(upper_, target_dir, true) / target_base;
        if (::link(target.c_str(), path.c_str()) != 0) fail(what_, "hard-link " + e.link_target + " as", path, errno);
        break;
      }
      case image::TarEntry::Type::other: {
        mode_t kind = 0;
        if (e.file_type == S_IFCHR || e.file_type == S_IFBLK || e.file_type == S_IFIFO) kind = e.file_type;
        if (kind == 0)
          throw Error(fmt::format("{}: entry {} has a type containerd does not unpack ({:o})", what_, name, e.file_type));
        if (::mknod(path.c_str(), kind | (e.mode & 07777), makedev(e.dev_major, e.dev_minor)) != 0)
          fail(what_, "create device", path, errno);
        break;
      }
    }
    if (::lchown(path.c_str(), static_cast<uid_t>(e.uid), static_cast<gid_t>(e.gid)) != 0)
      fail(what_, "chown", path, errno);
    for (const auto& [key, value] : e.xattrs) {
      if (::lsetxattr(path.c_str(), key.c_str(), value.data(), value.size(), 0) != 0 && errno != ENOTSUP)
        fail(what_, "set xattr " + key + " on", path, errno);
    }
    if (e.type != image::TarEntry::Type::symlink && ::chmod(path.c_str(), e.mode & 07777) != 0)
      fail(what_, "chmod", path, errno);
    set_times(path, e, what_);
    if (is_dir_entry) dirs_.emplace_back(relative(path), e);
    unpacked_.insert(path.string());
  }

  void remove(const fs::path& path) {
    remove_path(path, what_);
    parents_.clear();
  }

  fs::path upper_;
  std::string prefix_;
  std::unordered_map<std::string, fs::path> parents_;
  bool bottom_;
  std::string what_;
  std::vector<char> buffer_ = std::vector<char>(1 << 20);
  std::vector<std::pair<std::string, image::TarEntry>> dirs_;
  std::unordered_set<std::string> unpacked_;
  std::set<std::string> implicit_;
  std::vector<std::string> implicit_order_;
};

}  // namespace

UpperWrite write_layer_to_upper(image::LayerStream& layer, const fs::path& upper, bool bottom, const std::string& what) {
  return UpperWriter(upper, bottom, what).run(layer);
}

void copy_parent_attributes(const fs::path& upper, const std::vector<std::string>& implicit_dirs,
                            const std::vector<fs::path>& lowers) {
  for (const auto& rel : implicit_dirs) {
    const fs::path path = upper / rel;
    struct stat here {};
    if (!lstat_path(path, here) || !S_ISDIR(here.st_mode)) continue;
    for (const auto& lower : lowers) {
      const fs::path from = resolve_in_root(lower, rel, true);
      struct stat st {};
      if (!lstat_path(from, st)) continue;
      if (!S_ISDIR(st.st_mode)) break;  // replaced below: the defaults stay
      if (::lchown(path.c_str(), st.st_uid, st.st_gid) != 0 || ::chmod(path.c_str(), st.st_mode & 07777) != 0)
        throw Error(fmt::format("cannot copy the attributes of {} to {}: {}", from.string(), path.string(),
                                std::strerror(errno)));
      std::vector<char> names(1 << 16);
      ssize_t len = ::llistxattr(from.c_str(), names.data(), names.size());
      for (ssize_t off = 0; len > 0 && off < len;) {
        std::string key(names.data() + off);
        off += static_cast<ssize_t>(key.size()) + 1;
        if (key.rfind("trusted.", 0) == 0) continue;
        std::vector<char> value(1 << 16);
        ssize_t n = ::lgetxattr(from.c_str(), key.c_str(), value.data(), value.size());
        if (n < 0) continue;
        if (::lsetxattr(path.c_str(), key.c_str(), value.data(), static_cast<std::size_t>(n), XATTR_CREATE) != 0 &&
            errno != EEXIST && errno != ENOTSUP)
          throw Error(fmt::format("cannot copy xattr {} to {}: {}", key, path.string(), std::strerror(errno)));
      }
      break;
    }
  }
}

}  // namespace coldstart::cluster::detail
