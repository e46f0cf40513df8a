// FilesystemTree internals: nodes in one vector (parent / first-child / next-sibling indices),
// children found through one hash map keyed by (parent, interned name), names in a chunked arena.
// Deleted nodes stay in place, marked absent, so a path re-added later reuses its node.
#include "coldstart/analyze/filesystem_tree.hpp"

#include <algorithm>
#include <deque>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "coldstart/core/error.hpp"

namespace coldstart::analyze {
namespace {

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
constexpr std::size_t kArenaChunk = 1 << 20;

// Interned path components; ids are dense, views stay valid (chunks never move).
class NamePool {
 public:
  std::uint32_t intern(std::string_view name) {
    if (auto it = ids_.find(name); it != ids_.end()) return it->second;
    std::string_view stored = store(name);
    auto id = static_cast<std::uint32_t>(names_.size());
    names_.push_back(stored);
    ids_.emplace(stored, id);
    return id;
  }
  std::optional<std::uint32_t> lookup(std::string_view name) const {
    if (auto it = ids_.find(name); it != ids_.end()) return it->second;
    return std::nullopt;
  }
  std::string_view name(std::uint32_t id) const { return names_[id]; }

 private:
  std::string_view store(std::string_view name) {
    if (chunks_.empty() || chunks_.back().size() + name.size() > chunks_.back().capacity()) {
      chunks_.emplace_back();
      chunks_.back().reserve(std::max(kArenaChunk, name.size()));
    }
    auto& chunk = chunks_.back();
    std::size_t offset = chunk.size();
    chunk.append(name);
    return std::string_view(chunk.data() + offset, name.size());
  }
  std::deque<std::string> chunks_;
  std::vector<std::string_view> names_;
  std::unordered_map<std::string_view, std::uint32_t> ids_;
};

constexpr std::uint8_t kModelWeight = 1;  // Node::flags
constexpr std::uint8_t kLinked = 2;       // the node is one name of a LinkGroup

struct Node {
  std::uint32_t parent = kNone;
  std::uint32_t name = 0;
  std::uint32_t first_child = kNone;
  std::uint32_t next_sibling = kNone;
  std::uint64_t size = 0;
  std::uint32_t layer = 0;
  FilesystemTree::Kind kind = FilesystemTree::Kind::directory;
  bool present = false;
  std::uint8_t flags = 0;
};

struct HiddenCopies {
  std::uint64_t bytes = 0;
  std::uint32_t copies = 0;
};

// One inode with several names (a file and its hard links): its bytes, the layer that shipped them
// and how many names are still present. Only the last name to go wastes the bytes.
struct LinkGroup {
  std::uint64_t size = 0;
  std::uint32_t layer = 0;
  std::uint32_t names = 0;
};

std::uint64_t child_key(std::uint32_t parent, std::uint32_t name) {
  return (static_cast<std::uint64_t>(parent) << 32) | name;
}

}  // namespace

struct FilesystemTree::Impl {
  std::vector<Node> nodes;
  NamePool names;
  std::unordered_map<std::uint64_t, std::uint32_t> children;
  std::vector<LayerWaste> waste;
  std::unordered_map<std::uint32_t, HiddenCopies> hidden;  // sparse: only paths with waste
  std::unordered_map<std::uint32_t, std::string> symlink_targets;  // node -> target, as in the tar
  std::unordered_map<std::uint32_t, std::uint32_t> link_of;        // node (flag kLinked) -> group
  std::vector<LinkGroup> groups;
  std::vector<std::string_view> pending;  // scratch for resolve(): components still to walk

  Impl(std::size_t layers) : waste(layers) {
    nodes.emplace_back();
    nodes[0].present = true;
  }

  std::uint32_t child(std::uint32_t parent, std::string_view name, bool create) {
    if (!create) {
      auto id = names.lookup(name);
      if (!id) return kNone;
      auto it = children.find(child_key(parent, *id));
      return it == children.end() ? kNone : it->second;
    }
    std::uint32_t id = names.intern(name);
    auto [it, inserted] = children.try_emplace(child_key(parent, id), 0);
    if (!inserted) return it->second;
    if (nodes.size() >= kNone) throw Error("image has more than 4 billion paths; deep analysis cannot hold it");
    auto index = static_cast<std::uint32_t>(nodes.size());
    Node node;
    node.parent = parent;
    node.name = id;
    node.next_sibling = nodes[parent].first_child;
    nodes.push_back(node);
    nodes[parent].first_child = index;
    it->second = index;
    return index;
  }

  // Charges a hidden regular file to the layer that shipped it; a name of a shared inode only when
  // it is the last one.
  void hide(std::uint32_t index) {
    Node& n = nodes[index];
    if (n.present && (n.flags & kLinked)) {
      auto it = link_of.find(index);
      LinkGroup& g = groups[it->second];
      link_of.erase(it);
      n.flags &= static_cast<std::uint8_t>(~kLinked);
      if (--g.names == 0) charge(index, g.layer, g.size);
    } else if (n.present && n.kind == Kind::file) {
      charge(index, n.layer, n.size);
    }
    n.present = false;
  }

  void charge(std::uint32_t index, std::uint32_t layer, std::uint64_t bytes) {
    waste[layer].bytes += bytes;
    waste[layer].files += 1;
    auto& h = hidden[index];
    h.bytes += bytes;
    h.copies += 1;
  }

  // Hides everything present below `index` (not `index` itself).
  void hide_children(std::uint32_t index) {
    std::vector<std::uint32_t> stack;
    for (auto c = nodes[index].first_child; c != kNone; c = nodes[c].next_sibling)
      if (nodes[c].present) stack.push_back(c);
    while (!stack.empty()) {
      auto i = stack.back();
      stack.pop_back();
      for (auto c = nodes[i].first_child; c != kNone; c = nodes[c].next_sibling)
        if (nodes[c].present) stack.push_back(c);
      hide(i);
    }
  }

  void hide_subtree(std::uint32_t index) {
    hide_children(index);
    hide(index);
  }

  // Makes `index` a present directory (hiding what was there unless it already is one).
  void make_directory(std::uint32_t index, std::uint32_t layer) {
    Node& n = nodes[index];
    if (n.present && n.kind == Kind::directory) return;
    if (n.present) hide(index);
    Node& d = nodes[index];
    d.present = true;
    d.kind = Kind::directory;
    d.size = 0;
    d.layer = layer;
    d.flags = 0;
  }

  // The node for `path`: its parents resolved through symlinks (from the root for an absolute
  // target, else from the link's directory; ".." stops at the root), the last component not
  // followed. With `create`, missing parents become directories (also at a dangling link's target);
  // a file in the way becomes a directory, and so does a link whose target is a file or that loops
  // (more than kMaxSymlinkHops): the link, not its target. Without `create`, kNone when a parent is
  // missing.
  std::uint32_t resolve(std::string_view path, bool create, std::uint32_t layer) {
    pending.clear();
    push_components(path);
    std::uint32_t current = 0;
    int hops = 0;
    std::uint32_t outer_link = kNone;  // the link of the original path being expanded, if any
    std::size_t outer_rest = 0;        // components of the original path left after it
    while (!pending.empty()) {
      std::string_view component = pending.back();
      pending.pop_back();
      if (outer_link != kNone && pending.size() < outer_rest) outer_link = kNone;  // expansion done
      if (component == "..") {
        if (current != 0) current = nodes[current].parent;
        continue;
      }
      std::uint32_t index = child(current, component, create);
      if (pending.empty() || index == kNone) return index;
      const Node& n = nodes[index];
      auto link = n.present && n.kind == Kind::symlink ? symlink_targets.find(index) : symlink_targets.end();
      // A link without a target (added through add()) or with an empty one leads nowhere: in the way.
      if (link != symlink_targets.end() && !link->second.empty() && hops < FilesystemTree::kMaxSymlinkHops) {
        if (outer_link == kNone) {
          outer_link = index;
          outer_rest = pending.size();
        }
        ++hops;
        const std::string& target = link->second;
        if (target.front() == '/') current = 0;
        push_components(target);  // walked before the rest of the path
        continue;
      }
      if (!n.present || n.kind != Kind::directory) {
        if (!create) return kNone;
        if (n.present && outer_link != kNone) {
          // The link's target is no directory: the link itself gives way, as a file in the way would.
          pending.resize(outer_rest);
          make_directory(outer_link, layer);
          current = outer_link;
          outer_link = kNone;
          hops = 0;
          continue;
        }
        make_directory(index, layer);
      }
      current = index;
    }
    return current;  // the path named the root (e.g. a link to "/")
  }

  // Pushes the components of `path` so that the first is walked next.
  void push_components(std::string_view path) {
    std::size_t end = path.size();
    while (true) {
      std::size_t slash = end == 0 ? std::string_view::npos : path.rfind('/', end - 1);
      std::size_t start = slash == std::string_view::npos ? 0 : slash + 1;
      auto component = path.substr(start, end - start);
      if (!component.empty() && component != ".") pending.push_back(component);
      if (slash == std::string_view::npos) break;
      end = slash;
    }
  }

  std::uint32_t find(std::string_view path) const {
    return const_cast<Impl*>(this)->resolve(path, false, 0);
  }

  // Replaces whatever is at `path` by a fresh node of `kind`; kNone when `path` is the root.
  std::uint32_t replace(std::string_view path, Kind kind, std::uint32_t layer) {
    std::uint32_t index = resolve(path, true, layer);
    if (index == 0 || index == kNone) return kNone;
    Node* n = &nodes[index];
    if (n->present) {
      if (n->kind == Kind::directory && kind == Kind::directory) {
        n->layer = layer;  // metadata change of a directory: its contents stay
        return index;
      }
      if (n->kind == Kind::directory) hide_children(index);
      hide(index);
      n = &nodes[index];
    }
    n->present = true;
    n->kind = kind;
    n->size = 0;
    n->layer = layer;
    n->flags = 0;
    if (kind == Kind::symlink) symlink_targets.erase(index);  // add_symlink sets the new one
    return index;
  }

  std::string path_of(std::uint32_t index) const {
    std::vector<std::string_view> parts;
    for (auto i = index; i != 0 && i != kNone; i = nodes[i].parent) parts.push_back(names.name(nodes[i].name));
    std::string path;
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
      path += '/';
      path += *it;
    }
    return path.empty() ? "/" : path;
  }
};

FilesystemTree::FilesystemTree(std::size_t layer_count) : impl_(std::make_unique<Impl>(layer_count)) {}
FilesystemTree::~FilesystemTree() = default;
FilesystemTree::FilesystemTree(FilesystemTree&&) noexcept = default;
FilesystemTree& FilesystemTree::operator=(FilesystemTree&&) noexcept = default;

void FilesystemTree::add(std::string_view path, Kind kind, std::uint64_t size, std::uint32_t layer, bool model_weight) {
  auto& m = *impl_;
  if (layer >= m.waste.size()) throw Error("layer index out of range in the filesystem tree");
  std::uint32_t index = m.replace(path, kind, layer);
  if (index == kNone || kind != Kind::file) return;
  m.nodes[index].size = size;
  if (model_weight) m.nodes[index].flags |= kModelWeight;
}

void FilesystemTree::add_symlink(std::string_view path, std::string_view target, std::uint32_t layer) {
  auto& m = *impl_;
  if (layer >= m.waste.size()) throw Error("layer index out of range in the filesystem tree");
  std::uint32_t index = m.replace(path, Kind::symlink, layer);
  if (index != kNone) m.symlink_targets[index] = std::string(target);
}

void FilesystemTree::add_hardlink(std::string_view path, std::string_view target, std::uint32_t layer) {
  auto& m = *impl_;
  if (layer >= m.waste.size()) throw Error("layer index out of range in the filesystem tree");
  std::uint32_t source = m.find(target);
  if (source == kNone || source == 0 || !m.nodes[source].present ||
      (m.nodes[source].kind != Kind::file && !(m.nodes[source].flags & kLinked))) {
    m.replace(path, Kind::hardlink, layer);  // nothing to share: a link without bytes
    return;
  }
  if (m.resolve(path, false, layer) == source) return;  // a link to itself changes nothing
  std::uint32_t group;
  if (m.nodes[source].flags & kLinked) {
    group = m.link_of.at(source);
  } else {
    group = static_cast<std::uint32_t>(m.groups.size());
    m.groups.push_back({m.nodes[source].size, m.nodes[source].layer, 1});
    m.link_of[source] = group;
    m.nodes[source].flags |= kLinked;
  }
  // Replacing `path` may hide another name of this inode, never the last one: `source` stays.
  std::uint64_t size = m.nodes[source].size;
  std::uint8_t weight = m.nodes[source].flags & kModelWeight;
  std::uint32_t index = m.replace(path, Kind::hardlink, layer);
  if (index == kNone) return;
  m.nodes[index].size = size;
  m.nodes[index].flags = static_cast<std::uint8_t>(weight | kLinked);
  m.link_of[index] = group;
  m.groups[group].names += 1;
}

void FilesystemTree::remove(std::string_view path) {
  auto index = impl_->find(path);
  if (index != kNone && index != 0 && impl_->nodes[index].present) impl_->hide_subtree(index);
}

void FilesystemTree::clear_directory(std::string_view path) {
  auto index = impl_->find(path);
  if (index != kNone && impl_->nodes[index].present) impl_->hide_children(index);
}

std::optional<FilesystemTree::NodeInfo> FilesystemTree::find(std::string_view path) const {
  auto index = impl_->find(path);
  if (index == kNone) return std::nullopt;
  const Node& n = impl_->nodes[index];
  return NodeInfo{n.present, n.kind, n.size, n.layer, (n.flags & kModelWeight) != 0, true};
}

const std::vector<FilesystemTree::LayerWaste>& FilesystemTree::waste() const { return impl_->waste; }
std::size_t FilesystemTree::node_count() const { return impl_->nodes.size(); }

std::vector<FilesystemTree::WastedPath> FilesystemTree::wasted_paths(std::size_t limit) const {
  std::vector<std::pair<std::uint32_t, HiddenCopies>> items(impl_->hidden.begin(), impl_->hidden.end());
  std::vector<WastedPath> out;
  out.reserve(items.size());
  for (auto& [index, h] : items) {
    const Node& n = impl_->nodes[index];
    bool survives = n.present && n.kind == Kind::file;
    out.push_back({impl_->path_of(index), h.bytes, h.copies + (survives ? 1u : 0u), !n.present});
  }
  std::sort(out.begin(), out.end(), [](const WastedPath& a, const WastedPath& b) {
    return a.bytes != b.bytes ? a.bytes > b.bytes : a.path < b.path;
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

void FilesystemTree::walk(
    const std::function<void(std::string_view, const NodeInfo&)>& on_entry,
    const std::function<void(std::string_view, std::uint64_t, std::uint64_t)>& on_directory) const {
  const auto& m = *impl_;
  struct Frame {
    std::uint32_t node;
    std::uint32_t next_child;
    std::size_t path_length;
    std::uint64_t bytes = 0;
    std::uint64_t files = 0;
  };
  std::string path;
  std::unordered_set<std::uint32_t> seen_groups;  // inodes with several names already counted
  std::vector<Frame> stack;
  stack.push_back({0, m.nodes[0].first_child, 0});
  while (!stack.empty()) {
    Frame& top = stack.back();
    if (top.next_child == kNone) {
      Frame done = top;
      stack.pop_back();
      path.resize(done.path_length);
      if (done.node != 0) on_directory(path, done.bytes, done.files);
      else on_directory("/", done.bytes, done.files);
      if (!stack.empty()) {
        stack.back().bytes += done.bytes;
        stack.back().files += done.files;
        path.resize(stack.back().path_length);
      }
      continue;
    }
    std::uint32_t index = top.next_child;
    top.next_child = m.nodes[index].next_sibling;
    const Node& n = m.nodes[index];
    if (!n.present) continue;
    path.resize(top.path_length);
    path += '/';
    path += m.names.name(n.name);
    NodeInfo info{true, n.kind, n.size, n.layer, (n.flags & kModelWeight) != 0, true};
    if (n.flags & kLinked) info.first_link = seen_groups.insert(m.link_of.at(index)).second;
    on_entry(path, info);
    if (n.kind == Kind::directory) {
      stack.push_back({index, n.first_child, path.size()});
    } else if (n.kind == Kind::file || n.kind == Kind::hardlink) {
      if (info.first_link) top.bytes += n.size;
      top.files += 1;
    }
  }
}

}  // namespace coldstart::analyze
