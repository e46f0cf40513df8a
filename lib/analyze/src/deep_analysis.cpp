// analyze_deep: layers stream in parallel (each into a compact LayerChanges), the main thread
// applies them to one FilesystemTree strictly in layer order as they become ready, then walks the
// final tree once for sizes, categories and the largest files and directories.
#include "coldstart/analyze/deep_analysis.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <queue>
#include <thread>

#include "coldstart/core/error.hpp"
#include "coldstart/core/log.hpp"
#include "coldstart/analyze/filesystem_tree.hpp"
#include "coldstart/analyze/layer_changes.hpp"
#include "coldstart/analyze/model_weight_evidence.hpp"
#include "coldstart/image/layer_stream.hpp"

namespace coldstart::analyze {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Cancelled {};

struct LayerResult {
  DeepLayerStats stats;
  LayerChanges changes;
  std::vector<ModelWeightFile> weights;
  std::vector<SuspiciousEntry> suspicious;
  std::uint64_t suspicious_total = 0;
};

// Remembers whether a read failed in the layer stream itself (fatal) rather than in the parser
// reading from it (only that file's header is unreadable).
class GuardedContent : public image::ByteStream {
 public:
  explicit GuardedContent(image::ByteStream& inner) : inner_(inner) {}
  std::size_t read(char* buffer, std::size_t size) override {
    try {
      return inner_.read(buffer, size);
    } catch (...) {
      failed = true;
      throw;
    }
  }
  bool failed = false;

 private:
  image::ByteStream& inner_;
};

// Normalises a tar path to "a/b/c"; reports absolute paths and "..". nullopt: do not apply it.
std::optional<std::string> normalise(std::string_view raw, LayerResult& result, std::string_view role = {}) {
  auto report = [&](std::string reason) {
    ++result.suspicious_total;
    if (result.suspicious.size() < kMaxSuspiciousListed)
      result.suspicious.push_back({result.stats.index, std::string(raw), std::string(role) + std::move(reason)});
  };
  if (!raw.empty() && raw.front() == '/') report("absolute path (applied relative to the root)");
  std::string out;
  std::size_t start = 0;
  while (start <= raw.size()) {
    std::size_t end = raw.find('/', start);
    if (end == std::string_view::npos) end = raw.size();
    auto part = raw.substr(start, end - start);
    if (part == "..") {
      report("'..' component (not applied)");
      return std::nullopt;
    }
    if (!part.empty() && part != ".") {
      if (!out.empty()) out += '/';
      out.append(part);
    }
    start = end + 1;
  }
  if (out.empty()) return std::nullopt;  // the root itself
  return out;
}

// Up to `size` leading bytes of the current entry.
std::string read_head(image::LayerStream& layer, std::size_t size) {
  std::string head(size, '\0');
  std::size_t got = 0;
  while (got < size) {
    std::size_t n = layer.read(head.data() + got, size - got);
    if (n == 0) break;
    got += n;
  }
  head.resize(got);
  return head;
}

// Reports the compressed bytes a layer stream reads, for progress.
class CountingStream : public image::ByteStream {
 public:
  CountingStream(std::unique_ptr<image::ByteStream> inner, const std::function<void(std::uint64_t)>& on_bytes)
      : inner_(std::move(inner)), on_bytes_(on_bytes) {}
  std::size_t read(char* buffer, std::size_t size) override {
    std::size_t n = inner_->read(buffer, size);
    if (n > 0) on_bytes_(n);
    return n;
  }

 private:
  std::unique_ptr<image::ByteStream> inner_;
  const std::function<void(std::uint64_t)>& on_bytes_;
};

LayerResult stream_layer(image::Source& source, std::mutex& open_mutex, const image::ResolvedImage& image, std::size_t index,
                         const DeepOptions& options, const std::atomic<bool>& cancel,
                         std::atomic<std::uint64_t>& image_entries) {
  const image::Descriptor& descriptor = image.manifest.layers[index];
  auto started = Clock::now();
  LayerResult result;
  auto& stats = result.stats;
  stats.index = index;
  stats.digest = descriptor.digest;
  stats.media_type = descriptor.media_type;
  std::string what = fmt::format("layer {} ({}) of {}", index, descriptor.digest, image.reference);

  std::unique_ptr<image::ByteStream> blob;
  {
    std::lock_guard lock(open_mutex);  // sources need not be thread-safe while opening
    blob = source.open_blob(descriptor);
  }
  if (options.on_bytes) blob = std::make_unique<CountingStream>(std::move(blob), options.on_bytes);
  image::LayerStream layer(std::move(blob), descriptor.media_type, what, options.pipelined_layers);
  stats.compression = std::string(to_string(layer.compression()));

  image::TarEntry entry;
  while (layer.next(entry)) {
    if (cancel.load(std::memory_order_relaxed)) throw Cancelled{};
    ++stats.entries;
    // Memory grows with the entries: a tar of millions of empty entries is refused.
    if (image_entries.fetch_add(1, std::memory_order_relaxed) >= options.max_entries && options.max_entries > 0)
      throw Error(fmt::format("{}: the image has more than {} tar entries", what, options.max_entries),
                  "if it is genuine, raise the limit with --max-entries N (0: none)");
    // A hard link pointing outside the root is reported and then has no target to share bytes with.
    std::optional<std::string> link_target;
    if (entry.type == image::TarEntry::Type::hardlink)
      link_target = normalise(entry.link_target, result, "hard link target: ");
    auto path = normalise(entry.path, result);
    if (!path) continue;
    std::string_view name = *path;
    std::string_view dir;
    if (auto slash = name.rfind('/'); slash != std::string_view::npos) {
      dir = name.substr(0, slash);
      name = name.substr(slash + 1);
    }
    if (name.rfind(".wh.", 0) == 0) {
      ++stats.whiteouts;
      if (name == ".wh..wh..opq") {
        result.changes.append(LayerChanges::Op::opaque, dir);
      } else if (name.rfind(".wh..wh.", 0) != 0) {  // other .wh..wh.* are aufs bookkeeping
        std::string deleted(dir);
        if (!deleted.empty()) deleted += '/';
        deleted.append(name.substr(4));
        result.changes.append(LayerChanges::Op::whiteout, deleted);
      }
      continue;
    }
    switch (entry.type) {
      case image::TarEntry::Type::directory:
        ++stats.directories;
        result.changes.append(LayerChanges::Op::directory, *path);
        break;
      case image::TarEntry::Type::symlink:
        ++stats.symlinks;
        result.changes.append(LayerChanges::Op::symlink, *path, 0, entry.link_target);
        break;
      case image::TarEntry::Type::hardlink:
        ++stats.files;
        result.changes.append(LayerChanges::Op::hardlink, *path, 0, link_target.value_or(std::string()));
        break;
      case image::TarEntry::Type::other: result.changes.append(LayerChanges::Op::other, *path); break;
      case image::TarEntry::Type::file: {
        ++stats.files;
        stats.bytes_added += entry.size;
        auto format = model_weight_format(name);
        if (format.empty()) {
          result.changes.append(LayerChanges::Op::file, *path, entry.size);
          break;
        }
        // A weight-like name: the first bytes decide (the rest of the file is skipped as usual).
        ModelWeightFile weight;
        weight.path = "/" + *path;
        weight.size = entry.size;
        weight.layer = index;
        weight.format = std::string(format);
        if (format == "safetensors") {
          GuardedContent content(layer.content());
          try {
            weight.safetensors = read_safetensors_header(content, entry.size, what + ": " + weight.path,
                                                         options.max_safetensors_header);
            weight.evidence = "safetensors header";
          } catch (const Error& e) {
            if (content.failed) throw;
            weight.header_error = e.what();
            weight.evidence = "safetensors extension (header unreadable)";
            log::warn("{}", e.what());
          }
        } else {
          weight.evidence = std::string(
              model_weight_evidence(weight.path, read_head(layer, kModelWeightSniffBytes), entry.size));
        }
        bool is_weight = !weight.evidence.empty();
        result.changes.append(is_weight ? LayerChanges::Op::model_weight_file : LayerChanges::Op::file, *path,
                              entry.size);
        if (is_weight) result.weights.push_back(std::move(weight));
        break;
      }
    }
  }
  stats.diff_id = layer.diff_id();
  stats.compressed_bytes = layer.compressed_bytes();
  stats.uncompressed_bytes = layer.uncompressed_bytes();
  const auto& diff_ids = image.config.diff_ids;
  stats.diff_id_checked = options.verify_diff_ids && index < diff_ids.size();
  if (stats.diff_id_checked && diff_ids[index] != stats.diff_id)
    throw Error(fmt::format("{}: uncompressed digest {} does not match the config's diff_id {}", what, stats.diff_id,
                            diff_ids[index]),
                "the layer blob or the config is corrupt; rebuild or re-push the image");
  stats.seconds = seconds_since(started);
  log::debug("{}: {} entries, {} uncompressed bytes in {:.2f}s", what, stats.entries, stats.uncompressed_bytes,
             stats.seconds);
  return result;
}

void apply(FilesystemTree& tree, const LayerResult& result) {
  auto layer = static_cast<std::uint32_t>(result.stats.index);
  // Whiteouts and opaque markers hide lower layers only, wherever they sit in this layer's tar.
  result.changes.for_each([&](LayerChanges::Op op, std::string_view path, std::uint64_t) {
    if (op == LayerChanges::Op::whiteout) tree.remove(path);
    else if (op == LayerChanges::Op::opaque) tree.clear_directory(path);
  });
  using Kind = FilesystemTree::Kind;
  result.changes.for_each([&](LayerChanges::Op op, std::string_view path, std::uint64_t size, std::string_view target) {
    switch (op) {
      case LayerChanges::Op::whiteout: return;
      case LayerChanges::Op::opaque:
      case LayerChanges::Op::directory: tree.add(path, Kind::directory, 0, layer); return;
      case LayerChanges::Op::file: tree.add(path, Kind::file, size, layer); return;
      case LayerChanges::Op::model_weight_file: tree.add(path, Kind::file, size, layer, true); return;
      case LayerChanges::Op::symlink: tree.add_symlink(path, target, layer); return;
      case LayerChanges::Op::hardlink: tree.add_hardlink(path, target, layer); return;
      case LayerChanges::Op::other: tree.add(path, Kind::other, 0, layer); return;
    }
  });
}

template <typename T, typename Less>
void keep_top(std::vector<T>& heap, std::size_t limit, T item, Less less) {
  // `heap` is a min-heap under `less` holding the `limit` largest items.
  auto greater = [&](const T& a, const T& b) { return less(b, a); };
  if (limit == 0) return;
  if (heap.size() < limit) {
    heap.push_back(std::move(item));
    std::push_heap(heap.begin(), heap.end(), greater);
  } else if (less(heap.front(), item)) {
    std::pop_heap(heap.begin(), heap.end(), greater);
    heap.back() = std::move(item);
    std::push_heap(heap.begin(), heap.end(), greater);
  }
}

void summarise(const FilesystemTree& tree, const DeepOptions& options, DeepReport& report) {
  auto file_less = [](const DeepFile& a, const DeepFile& b) {
    return a.size != b.size ? a.size < b.size : a.path > b.path;
  };
  auto dir_less = [](const DeepDirectory& a, const DeepDirectory& b) {
    return a.size != b.size ? a.size < b.size : a.path > b.path;
  };
  std::vector<DeepFile> files;
  std::vector<DeepDirectory> dirs;
  tree.walk(
      [&](std::string_view path, const FilesystemTree::NodeInfo& node) {
        switch (node.kind) {
          case FilesystemTree::Kind::directory: ++report.directories; return;
          case FilesystemTree::Kind::symlink: ++report.symlinks; return;
          case FilesystemTree::Kind::other: return;
          case FilesystemTree::Kind::file:
          case FilesystemTree::Kind::hardlink: break;
        }
        ++report.files;
        // An inode with several names counts once, at its first name.
        std::uint64_t bytes = node.first_link ? node.size : 0;
        report.final_size_bytes += bytes;
        auto category = node.model_weight ? ContentCategory::model_weights : categorize_path(path);
        auto& totals = report.categories[static_cast<std::size_t>(category)];
        totals.bytes += bytes;
        totals.files += 1;
        if (node.first_link && (files.size() < options.top || node.size > files.front().size))
          keep_top(files, options.top, DeepFile{std::string(path), node.size, node.layer, category}, file_less);
      },
      [&](std::string_view path, std::uint64_t bytes, std::uint64_t count) {
        if (path == "/") return;
        if (dirs.size() < options.top || bytes >= dirs.front().size)
          keep_top(dirs, options.top, DeepDirectory{std::string(path), bytes, count}, dir_less);
      });
  std::sort(files.begin(), files.end(), [&](auto& a, auto& b) { return file_less(b, a); });
  std::sort(dirs.begin(), dirs.end(), [&](auto& a, auto& b) { return dir_less(b, a); });
  report.largest_files = std::move(files);
  report.largest_directories = std::move(dirs);
}

// Layers the config has no diff_id for (or all of them with verification off) are streamed and
// hashed but not checked: said once on stderr and counted in the report.
void note_unchecked_layers(const image::ResolvedImage& image, const DeepOptions& options, DeepReport& report) {
  report.config_diff_ids = image.config.diff_ids.size();
  for (const auto& l : report.layers)
    if (!l.diff_id_checked) ++report.unchecked_layers;
  if (!options.verify_diff_ids || report.config_diff_ids == report.layers.size()) return;
  if (report.config_diff_ids < report.layers.size()) {
    std::size_t first = report.config_diff_ids, last = report.layers.size() - 1;
    log::warn("{}: the manifest has {} layers but the config lists {} diff_ids; {} not checked against the config "
              "(the image is malformed; rebuild it)",
              image.reference, report.layers.size(), report.config_diff_ids,
              first == last ? fmt::format("layer {} was", first) : fmt::format("layers {}-{} were", first, last));
  }
  else
    log::warn("{}: the config lists {} diff_ids for {} layers; the extra diff_ids match no layer (the image is "
              "malformed; rebuild it)",
              image.reference, report.config_diff_ids, report.layers.size());
}

}  // namespace

DeepReport analyze_deep(image::Source& source, const image::ResolvedImage& image, const DeepOptions& options) {
  auto started = Clock::now();
  const std::size_t count = image.manifest.layers.size();
  DeepReport report;
  report.image = image.reference;
  report.manifest_digest = image.manifest_digest;

  unsigned threads = options.parallel_layers;
  if (threads == 0) threads = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
  threads = static_cast<unsigned>(std::clamp<std::size_t>(threads, 1, std::max<std::size_t>(count, 1)));

  std::mutex mutex, open_mutex;
  std::condition_variable ready;
  std::vector<std::optional<LayerResult>> results(count);
  std::exception_ptr failure;
  std::atomic<bool> cancel{false};
  std::atomic<std::uint64_t> image_entries{0};
  std::atomic<std::size_t> next{0}, layers_done{0};
  if (options.on_start) {
    std::uint64_t total = 0;
    for (const auto& layer : image.manifest.layers) total += static_cast<std::uint64_t>(std::max<std::int64_t>(layer.size, 0));
    options.on_start(image.reference, total, count);
  }
  // Largest blobs start first: the big model layer is the critical path, and small layers fill the
  // other cores around it (each layer is itself a pipeline over several threads).
  std::vector<std::size_t> order(count);
  for (std::size_t i = 0; i < count; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return image.manifest.layers[a].size > image.manifest.layers[b].size;
  });

  auto work = [&] {
    for (;;) {
      std::size_t slot = next.fetch_add(1);
      if (slot >= count || cancel.load()) return;
      std::size_t index = order[slot];
      try {
        auto result = stream_layer(source, open_mutex, image, index, options, cancel, image_entries);
        {
          std::lock_guard lock(mutex);
          results[index] = std::move(result);
        }
        if (options.on_layer_done) options.on_layer_done(index, layers_done.fetch_add(1) + 1);
      } catch (const Cancelled&) {
        return;
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!failure) failure = std::current_exception();
        cancel = true;
      }
      ready.notify_all();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < threads; ++i) pool.emplace_back(work);

  // Whatever happens below, the workers are stopped and joined before leaving.
  struct JoinOnExit {
    std::vector<std::thread>& pool;
    std::atomic<bool>& cancel;
    ~JoinOnExit() {
      cancel = true;
      for (auto& t : pool)
        if (t.joinable()) t.join();
    }
  } join_on_exit{pool, cancel};

  FilesystemTree tree(count);
  report.layers.resize(count);
  auto history = history_per_layer(image.config, count);
  for (std::size_t i = 0; i < count; ++i) {
    LayerResult result;
    {
      std::unique_lock lock(mutex);
      ready.wait(lock, [&] { return results[i].has_value() || failure; });
      if (failure) break;
      result = std::move(*results[i]);
      results[i].reset();
    }
    apply(tree, result);
    report.layers[i] = std::move(result.stats);
    if (history[i]) report.layers[i].created_by = history[i]->created_by;
    for (auto& w : result.weights) report.model_weights.push_back(std::move(w));
    report.suspicious_total += result.suspicious_total;
    for (auto& s : result.suspicious)
      if (report.suspicious.size() < kMaxSuspiciousListed) report.suspicious.push_back(std::move(s));
  }
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
  log::debug("deep analysis of {}: {} tree nodes", image.reference, tree.node_count());

  const auto& waste = tree.waste();
  for (std::size_t i = 0; i < count; ++i) {
    report.layers[i].bytes_wasted = waste[i].bytes;
    report.layers[i].files_wasted = waste[i].files;
    report.total_added_bytes += report.layers[i].bytes_added;
    report.wasted_bytes += waste[i].bytes;
    report.wasted_files += waste[i].files;
  }
  report.wasted_ratio =
      report.total_added_bytes ? static_cast<double>(report.wasted_bytes) / report.total_added_bytes : 0.0;
  for (auto& w : report.model_weights) {
    auto node = tree.find(w.path);
    w.in_final_filesystem = node && node->present && node->kind == FilesystemTree::Kind::file &&
                            node->layer == w.layer && node->model_weight;
  }
  note_unchecked_layers(image, options, report);
  for (auto& wasted : tree.wasted_paths(options.top))
    report.largest_wasted.push_back({wasted.path, wasted.bytes, wasted.copies, wasted.deleted});
  summarise(tree, options, report);
  report.seconds = seconds_since(started);
  return report;
}

}  // namespace coldstart::analyze
