// FilesystemTree internals: nodes in one vector (parent / first-child / next-sibling indices),
// children found through one hash map keyed by (parent, interned name), names in a chunked arena.
// Deleted nodes stay in place, marked absent, so a path re-added later reuses its node.
#include "coldstart/analyze/filesystem_tree.hpp"

#include <algorithm>
#include <deque>
#include <limits>
#include <unordered_map>

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

struct Node {
  std::uint32_t parent = kNone;
  std::uint32_t name = 0;
  std::uint32_t first_child = kNone;
  std::uint32_t next_sibling = kNone;
  std::uint64_t size = 0;
  std::uint32_t layer = 0;
  FilesystemTree::Kind kind = FilesystemTree::Kind::directory;
  bool present = false;
};

struct HiddenCopies {
  std::uint64_t bytes = 0;
  std::uint32_t copies = 0;
};

std::uint64_t child_key(std::uint32_t parent, std::uint32_t name) {
  return (static_cast<std::uint64_t>(parent) << 32) | name;
}

// Calls f(component, is_last) for each '/'-separated component.
template <typename F>
void for_each_component(std::string_view path, F&& f) {
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view component = path.substr(start, end - start);
    bool last = end == path.size();
    if (!component.empty()) {
      if (!f(component, last)) return;
    }
    start = end + 1;
  }
}

}  // namespace

struct FilesystemTree::Impl {
  std::vector<Node> nodes;
  NamePool names;
  std::unordered_map<std::uint64_t, std::uint32_t> children;
  std::vector<LayerWaste> waste;
  std::unordered_map<std::uint32_t, HiddenCopies> hidden;  // sparse: only paths with waste

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

  // Charges a hidden regular file to the layer that shipped it.
  void hide(std::uint32_t index) {
    Node& n = nodes[index];
    if (n.present && n.kind == Kind::file) {
      waste[n.layer].bytes += n.size;
      waste[n.layer].files += 1;
      auto& h = hidden[index];
      h.bytes += n.size;
      h.copies += 1;
    }
    n.present = false;
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

  std::uint32_t find(std::string_view path) const {
    std::uint32_t current = 0;
    for_each_component(path, [&](std::string_view component, bool) {
      current = const_cast<Impl*>(this)->child(current, component, false);
      return current != kNone;
    });
    return current;
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

void FilesystemTree::add(std::string_view path, Kind kind, std::uint64_t size, std::uint32_t layer) {
  auto& m = *impl_;
  if (layer >= m.waste.size()) throw Error("layer index out of range in the filesystem tree");
  std::uint32_t current = 0;
  for_each_component(path, [&](std::string_view component, bool last) {
    std::uint32_t index = m.child(current, component, true);
    Node* n = &m.nodes[index];
    if (!last) {
      // A parent directory: a file or link in the way is replaced by the directory.
      if (n->present && n->kind != Kind::directory) {
        m.hide(index);
        n = &m.nodes[index];
      }
      if (!n->present) {
        n->present = true;
        n->kind = Kind::directory;
        n->size = 0;
        n->layer = layer;
      }
      current = index;
      return true;
    }
    if (n->present) {
      if (n->kind == Kind::directory && kind == Kind::directory) {
        n->layer = layer;  // metadata change of a directory: its contents stay
        current = index;
        return true;
      }
      if (n->kind == Kind::directory) m.hide_children(index);
      m.hide(index);
      n = &m.nodes[index];
    }
    n->present = true;
    n->kind = kind;
    n->size = kind == Kind::file ? size : 0;
    n->layer = layer;
    current = index;
    return true;
  });
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
  return NodeInfo{n.present, n.kind, n.size, n.layer};
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
    NodeInfo info{true, n.kind, n.size, n.layer};
    on_entry(path, info);
    if (n.kind == Kind::directory) {
      stack.push_back({index, n.first_child, path.size()});
    } else if (n.kind == Kind::file || n.kind == Kind::hardlink) {
      top.bytes += n.size;
      top.files += 1;
    }
  }
}

}  // namespace coldstart::analyze
