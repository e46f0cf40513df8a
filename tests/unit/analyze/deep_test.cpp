// analyze_deep end to end over real gzip / zstd / plain layer bytes served from memory.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "coldstart/core/error.hpp"
#include "coldstart/analyze/ci_rules.hpp"
#include "coldstart/analyze/deep_analysis.hpp"
#include "coldstart/analyze/model_weight_evidence.hpp"
#include "../image/layer_fixture.hpp"
#include "series_fixture.hpp"

using namespace coldstart::image;
using namespace coldstart::analyze;
namespace lf = layer_fixture;

namespace {

std::string safetensors_file() {
  std::string header =
      R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F16","shape":[3,4],"data_offsets":[0,24]},)"
      R"("b":{"dtype":"BF16","shape":[5],"data_offsets":[24,34]}})";
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return out + header + std::string(34, '\x01');
}

std::vector<lf::Layer> sample_layers() {
  auto l0 = lf::gzip_layer({
      lf::dir("usr/local/cuda/lib64/"),
      lf::file("usr/local/cuda/lib64/libcublas.so.12", std::string(5000, 'c')),
      lf::file("usr/lib/python3/dist-packages/numpy/core.so", std::string(3000, 'n')),
      lf::file("var/lib/apt/lists/deb_list", std::string(2000, 'a')),
      lf::file("etc/config", std::string(100, 'e')),
      lf::file("app/old.txt", std::string(50, 'o')),
      lf::file("opt/data/a", std::string(10, 'a')),
      lf::file("opt/data/b", std::string(20, 'b')),
  });
  auto l1 = lf::zstd_layer({
      lf::whiteout("app/.wh.old.txt"),
      lf::file("opt/data/c", std::string(5, 'c')),  // before the opaque marker in the tar: still kept
      lf::whiteout("opt/data/.wh..wh..opq"),
      lf::file("etc/config", std::string(100, 'E')),
      lf::file("/abs/path", "x"),
      lf::file("../escape", "y"),
      lf::file("models/model.safetensors", safetensors_file()),
  });
  auto l2 = lf::plain_layer({
      lf::whiteout("var/lib/apt/.wh.lists"),
      lf::file("models/extra.gguf", "GGUF" + std::string(60, 'g')),
      lf::hardlink("models/link", "models/model.safetensors"),
  });
  return {l0, l1, l2};
}

DeepReport run(lf::MemorySource& source, unsigned parallel = 0) {
  DeepOptions options;
  options.top = 3;
  options.parallel_layers = parallel;
  return analyze_deep(source, source.image(), options);
}

const CategoryTotals& category(const DeepReport& r, ContentCategory c) {
  return r.categories[static_cast<std::size_t>(c)];
}

}  // namespace

TEST_CASE("deep analysis stacks layers, applies whiteouts and charges waste to the shipping layer") {
  lf::MemorySource source(sample_layers());
  auto r = run(source);
  auto safetensors_size = safetensors_file().size();

  REQUIRE(r.layers.size() == 3);
  CHECK(r.layers[0].compression == "gzip");
  CHECK(r.layers[1].compression == "zstd");
  CHECK(r.layers[2].compression == "none");
  CHECK(r.layers[0].diff_id == source.image().config.diff_ids[0]);
  CHECK(r.layers[1].whiteouts == 2);
  CHECK(r.layers[2].whiteouts == 1);
  CHECK(r.layers[0].bytes_added == 5000 + 3000 + 2000 + 100 + 50 + 10 + 20);
  // Layer 0 loses old.txt (whiteout), opt/data/a+b (opaque), etc/config (re-added), apt lists (whiteout).
  CHECK(r.layers[0].bytes_wasted == 50 + 10 + 20 + 100 + 2000);
  CHECK(r.layers[0].files_wasted == 5);
  CHECK(r.layers[1].bytes_wasted == 0);
  CHECK(r.wasted_bytes == 2180);
  CHECK(r.total_added_bytes == 10180 + 5 + 100 + 1 + safetensors_size + 64);  // ../escape is not applied
  CHECK(r.wasted_ratio == doctest::Approx(2180.0 / r.total_added_bytes));

  // Final: libcublas, numpy, etc/config, opt/data/c, abs/path, model.safetensors, extra.gguf, link.
  CHECK(r.files == 8);
  CHECK(r.final_size_bytes == 5000 + 3000 + 100 + 5 + 1 + safetensors_size + 64);
  CHECK(category(r, ContentCategory::cuda_nvidia).bytes == 5000);
  CHECK(category(r, ContentCategory::python_packages).bytes == 3000);
  CHECK(category(r, ContentCategory::model_weights).files == 3);  // models/link is one more name of the weights
  CHECK(category(r, ContentCategory::model_weights).bytes == safetensors_size + 64);
  CHECK(category(r, ContentCategory::package_caches).files == 0);  // the apt lists were deleted

  REQUIRE(r.largest_files.size() == 3);
  CHECK(r.largest_files[0].path == "/usr/local/cuda/lib64/libcublas.so.12");
  CHECK(r.largest_files[0].category == ContentCategory::cuda_nvidia);
  CHECK(r.largest_files[1].path == "/usr/lib/python3/dist-packages/numpy/core.so");
  REQUIRE(r.largest_directories.size() == 3);
  CHECK(r.largest_directories[0].path == "/usr");
  CHECK(r.largest_directories[0].size == 8000);
  REQUIRE(!r.largest_wasted.empty());
  CHECK(r.largest_wasted[0].path == "/var/lib/apt/lists/deb_list");
  CHECK(r.largest_wasted[0].deleted);

  REQUIRE(r.model_weights.size() == 2);
  CHECK(r.model_weights[0].path == "/models/model.safetensors");
  CHECK(r.model_weights[0].layer == 1);
  CHECK(r.model_weights[0].in_final_filesystem);
  REQUIRE(r.model_weights[0].safetensors.has_value());
  CHECK(r.model_weights[0].safetensors->tensor_count == 2);
  CHECK(r.model_weights[0].safetensors->parameter_count == 17);
  CHECK(r.model_weights[0].safetensors->dtypes.at("BF16") == 1);
  CHECK(r.model_weights[1].format == "gguf");
  CHECK_FALSE(r.model_weights[1].safetensors.has_value());

  REQUIRE(r.suspicious_total == 2);
  CHECK(r.suspicious[0].path == "/abs/path");
  CHECK(r.suspicious[0].reason.find("absolute") != std::string::npos);
  CHECK(r.suspicious[1].path == "../escape");
  CHECK(r.suspicious[1].reason.find("..") != std::string::npos);
}

TEST_CASE("results do not depend on how many layers stream at once") {
  lf::MemorySource source(sample_layers());
  auto serial = to_json(run(source, 1));
  auto parallel = to_json(run(source, 3));
  for (auto* doc : {&serial, &parallel}) {
    (*doc)["summary"].erase("seconds");
    for (auto& l : (*doc)["layers"]) l.erase("seconds");
  }
  CHECK(serial == parallel);
}

TEST_CASE("the report renders as JSON, a table and markdown") {
  lf::MemorySource source(sample_layers());
  auto r = run(source);
  auto doc = to_json(r);
  CHECK(doc["schema_version"] == 1);
  CHECK(doc["summary"]["wasted_bytes"] == 2180);
  CHECK(doc["categories"]["cuda_nvidia"]["bytes"] == 5000);
  CHECK(doc["model_weights"][0]["safetensors"]["parameter_count"] == 17);
  CHECK(doc["model_weights"][1]["safetensors"].is_null());
  CHECK(doc["suspicious"]["total"] == 2);
  auto table = render_table(r);
  CHECK(table.find("libcublas.so.12") != std::string::npos);
  CHECK(table.find("Model weights") != std::string::npos);
  CHECK(table.find("17") != std::string::npos);
  auto md = render_markdown(r);
  CHECK(md.find("## Deep analysis") != std::string::npos);
  CHECK(md.find("| ") != std::string::npos);
}

TEST_CASE("a diff_id that does not match the config is an error naming both digests") {
  lf::MemorySource source(sample_layers());
  auto wrong = "sha256:" + std::string(64, '0');
  source.image().config.diff_ids[1] = wrong;
  try {
    run(source);
    FAIL("expected a diff_id mismatch");
  } catch (const coldstart::Error& e) {
    std::string message = e.what();
    CHECK(message.find("layer 1 (") != std::string::npos);
    CHECK(message.find(wrong) != std::string::npos);
    CHECK(message.find(source.image().manifest.layers[1].digest) != std::string::npos);
  }
}

TEST_CASE("a truncated or corrupt layer in the middle of the image fails the analysis cleanly") {
  // 4 MiB of incompressible bytes: several pipeline blocks are in flight when the damage is reached.
  std::string big(4 * 1024 * 1024, '\0');
  std::uint64_t x = 7;
  for (auto& c : big) c = static_cast<char>(x = x * 6364136223846793005ull + 1442695040888963407ull, x >> 56);
  auto whole = lf::gzip_layer({lf::file("blob.bin", big)});
  for (bool truncate : {true, false}) {
    CAPTURE(truncate);
    auto layers = sample_layers();
    auto broken = whole;
    if (truncate) {
      broken.blob.resize(broken.blob.size() / 2);
    } else {
      for (std::size_t i = 0; i < 64; ++i) broken.blob[broken.blob.size() / 2 + i] ^= 0x5a;
    }
    // The descriptor matches these bytes: only the gzip stream inside is damaged.
    layers.insert(layers.begin() + 1, lf::Layer{broken.blob, broken.media_type, broken.diff_id});
    layers.push_back(whole);  // a healthy big layer streams at the same time
    lf::MemorySource source(layers);
    for (unsigned parallel : {1u, 4u}) {
      CAPTURE(parallel);
      CHECK_THROWS_WITH_AS(run(source, parallel),
                           doctest::Contains(truncate ? "gzip stream is truncated" : "corrupt gzip data"),
                           coldstart::Error);
    }
  }
}

TEST_CASE("an image without layers gives an empty report") {
  lf::MemorySource source({});
  auto r = run(source);
  CHECK(r.files == 0);
  CHECK(r.layers.empty());
  CHECK(r.wasted_ratio == 0);
}

namespace {

// The first bytes of the formats weights ship in, padded to `size` bytes.
std::string padded(std::string head, std::size_t size = 4096) {
  head.resize(std::max(head.size(), size), '\x07');
  return head;
}
std::string pytorch_zip() {  // a zip local file header whose first entry is archive/data.pkl
  std::string name = "archive/data.pkl";
  std::string h = std::string("PK\x03\x04", 4) + std::string(22, '\0');
  h += static_cast<char>(name.size());
  h += std::string(3, '\0');
  return padded(h + name + "\x80\x02}q\x00.");
}
std::string pickle() { return padded(std::string("\x80\x02\x8a\x0alZ\xfc\x9cF\xf9 j\xa8P\x19.", 16)); }
std::string gguf() { return padded(std::string("GGUF\x03\x00\x00\x00", 8)); }
std::string onnx() { return padded(std::string("\x08\x07\x12\x07pytorch\x1a\x05" "2.1.0", 19)); }

Plan plan_with(DeepReport deep) {
  std::vector<SeriesStability> s{classify_layers(coldstart::test::aigc_series(3), {})};
  std::vector<std::optional<DeepReport>> d;
  d.push_back(std::move(deep));
  return build_plan(std::move(s), {}, std::move(d), {});
}

const CiCheck* check_of(const CiResult& r, std::string_view rule) {
  for (const auto& c : r.checks)
    if (c.rule == rule) return &c;
  return nullptr;
}

}  // namespace

TEST_CASE("a surviving hard link keeps its bytes: no waste, and the default CI gate passes") {
  for (std::string gone : {"usr/share/zoneinfo/.wh.UTC", "usr/share/zoneinfo/Etc/.wh.UTC"}) {
    CAPTURE(gone);
    lf::MemorySource source({
        lf::gzip_layer({lf::file("usr/share/zoneinfo/UTC", std::string(4000, 'z')),
                        lf::hardlink("usr/share/zoneinfo/Etc/UTC", "usr/share/zoneinfo/UTC"),
                        lf::file("etc/hostname", std::string(100, 'h'))}),
        lf::gzip_layer({lf::whiteout(gone)}),
    });
    auto r = run(source);
    CHECK(r.wasted_bytes == 0);
    CHECK(r.wasted_ratio == 0);
    CHECK(r.layers[0].bytes_wasted == 0);
    CHECK(r.files == 2);
    CHECK(r.final_size_bytes == 4100);
    REQUIRE_FALSE(r.largest_files.empty());
    CHECK(r.largest_files[0].size == 4000);
    CHECK(r.largest_files[0].path.find("/usr/share/zoneinfo/") == 0);
    auto ci = evaluate_ci_rules(plan_with(r), CiRules{});
    const CiCheck* wasted = check_of(ci, "max-wasted-percent");
    REQUIRE(wasted != nullptr);
    CHECK(wasted->status == CiStatus::pass);
  }
  // Both names in the final filesystem: the inode's bytes count once.
  lf::MemorySource both({lf::plain_layer({lf::file("a", std::string(300, 'a')), lf::hardlink("b", "a")})});
  auto r = run(both);
  CHECK(r.files == 2);
  CHECK(r.final_size_bytes == 300);
}

TEST_CASE("files under a symlinked parent land under the link's target") {
  lf::MemorySource source({
      lf::gzip_layer({lf::dir("usr/lib/"), lf::symlink("lib", "usr/lib")}),
      lf::gzip_layer({lf::file("lib/libfoo.so.1", std::string(2000, 'f'))}),
  });
  auto r = run(source);
  REQUIRE_FALSE(r.largest_files.empty());
  CHECK(r.largest_files[0].path == "/usr/lib/libfoo.so.1");
  CHECK(r.symlinks == 1);  // the link stays a link
  CHECK(r.directories == 2);
}

TEST_CASE("model weights are recognised by their first bytes, whatever the extension says") {
  std::string text_pth = "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'\n";
  lf::MemorySource source({lf::gzip_layer({
      lf::file("models/pytorch_model.bin", pytorch_zip()),
      lf::file("models/legacy.pt", pickle()),
      lf::file("models/llama.gguf", gguf()),
      lf::file("models/model.onnx", onnx()),
      lf::file("models/sd.ckpt", pytorch_zip()),
      lf::file("models/model.safetensors", safetensors_file()),
      // Not weights: Python path files, a small .bin of text, an .onnx that is not protobuf.
      lf::file("usr/lib/python3/dist-packages/distutils-precedence.pth", text_pth),
      lf::file("usr/local/lib/python3.11/site-packages/easy-install.pth", "./six-1.16.0-py3.11.egg\n"),
      lf::file("opt/app/paths.pth", "/opt/app/lib\n"),
      lf::file("usr/share/doc/readme.bin", "just some text\n"),
      lf::file("models/notes.onnx", "# todo\n"),
  })});
  auto r = run(source);
  std::map<std::string, std::string> evidence;
  for (auto& w : r.model_weights) evidence[w.path] = w.evidence;
  CHECK(evidence.size() == 6);
  CHECK(evidence["/models/pytorch_model.bin"] == "pytorch zip");
  CHECK(evidence["/models/legacy.pt"] == "pickle");
  CHECK(evidence["/models/llama.gguf"] == "gguf magic");
  CHECK(evidence["/models/model.onnx"] == "onnx protobuf");
  CHECK(evidence["/models/sd.ckpt"] == "pytorch zip");
  CHECK(evidence["/models/model.safetensors"] == "safetensors header");
  CHECK(category(r, ContentCategory::model_weights).files == 6);
  CHECK(category(r, ContentCategory::model_weights).bytes == 5 * 4096 + safetensors_file().size());
  CHECK(category(r, ContentCategory::python_packages).files == 2);
  for (auto& w : r.model_weights) CHECK(w.in_final_filesystem);
  CHECK(to_json(r)["model_weights"][0]["evidence"] == "pytorch zip");
}

TEST_CASE("evidence needs a magic, or size outside Python packages and firmware") {
  std::string text = "hello\n";
  constexpr std::uint64_t kBig = kUnrecognisedWeightMinBytes;
  CHECK(model_weight_evidence("/models/raw.bin", text, kBig) == "size");
  CHECK(model_weight_evidence("/models/raw.bin", text, kBig - 1).empty());
  CHECK(model_weight_evidence("/lib/firmware/iwlwifi.bin", text, kBig).empty());
  CHECK(model_weight_evidence("/usr/lib/python3/dist-packages/x/data.bin", text, kBig).empty());
  CHECK(model_weight_evidence("/models/model.onnx", text, kBig).empty());
  CHECK(model_weight_evidence("/usr/lib/python3/dist-packages/a.pth", pickle(), 100).empty());
  CHECK(model_weight_evidence("/models/a.pth", pickle(), 100) == "pickle");
  CHECK(model_weight_evidence("/models/old.bin", "lmgg\x01\x00", 100) == "ggml magic");
  CHECK(model_weight_evidence("/app/README.md", gguf(), 100).empty());  // not a weight extension
  std::string other_zip = std::string("PK\x03\x04", 4) + std::string(22, '\0') + "\x08" + std::string(3, '\0') + "word.xml";
  CHECK(model_weight_evidence("/models/doc.bin", other_zip, 100).empty());
}

namespace {

// Regular files of a real Python installation on this machine, as they sit on disk.
struct RealPython {
  std::vector<lf::Entry> entries;
  std::size_t pth_files = 0;
};

RealPython real_python_files(std::uint64_t budget) {
  namespace fs = std::filesystem;
  RealPython out;
  std::vector<fs::path> files;
  for (const char* root : {"/usr/lib/python3/dist-packages", "/usr/local/lib/python3.11/dist-packages",
                           "/usr/lib/python3.11/site-packages"}) {
    std::error_code ec;
    if (!fs::is_directory(root, ec)) continue;
    for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (it->path().filename() == "__pycache__") {
        it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file(ec) && !it->is_symlink(ec)) files.push_back(it->path());
    }
  }
  std::sort(files.begin(), files.end());
  // Every file with a weight-like name first (the cases under test), then others up to the budget.
  std::stable_partition(files.begin(), files.end(),
                        [](const fs::path& p) { return !model_weight_format(p.string()).empty(); });
  std::uint64_t used = 0;
  for (const auto& p : files) {
    std::error_code ec;
    auto size = fs::file_size(p, ec);
    bool candidate = !model_weight_format(p.string()).empty();
    if (ec || size > 16 * 1024 * 1024 || (!candidate && used + size > budget)) continue;
    std::ifstream in(p, std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (content.size() != size) continue;
    used += size;
    if (p.extension() == ".pth") ++out.pth_files;
    out.entries.push_back(lf::file(p.relative_path().string(), std::move(content)));
  }
  return out;
}

}  // namespace

TEST_CASE("a real Python installation holds no model weights, so --no-model-weights passes") {
  auto python = real_python_files(8 * 1024 * 1024);
  INFO("Python files taken from this machine: " << python.entries.size());
  // python3-setuptools (scripts/install-deps.sh) installs distutils-precedence.pth in dist-packages.
  REQUIRE_MESSAGE(python.pth_files > 0, "no .pth file under /usr/lib/python3*/: install python3-setuptools");
  lf::MemorySource source({lf::plain_layer(python.entries)});
  auto r = run(source);
  CHECK(r.files == python.entries.size());
  CHECK(r.model_weights.empty());
  CHECK(category(r, ContentCategory::model_weights).bytes == 0);
  CHECK(category(r, ContentCategory::model_weights).files == 0);
  CHECK(category(r, ContentCategory::python_packages).files == python.entries.size());
}

TEST_CASE("layers beyond the config's diff_ids are reported as unchecked") {
  lf::MemorySource source(sample_layers());
  source.image().config.diff_ids.pop_back();  // the config knows two of the three layers
  auto r = run(source);
  CHECK(r.config_diff_ids == 2);
  CHECK(r.unchecked_layers == 1);
  CHECK(r.layers[1].diff_id_checked);
  CHECK_FALSE(r.layers[2].diff_id_checked);
  auto doc = to_json(r);
  CHECK(doc["summary"]["unchecked_layers"] == 1);
  CHECK(doc["summary"]["config_diff_ids"] == 2);
  CHECK(doc["layers"][2]["diff_id_checked"] == false);
  CHECK(render_table(r).find("1 of 3 layers have no diff_id in the config") != std::string::npos);
  lf::MemorySource whole(sample_layers());
  CHECK(run(whole).unchecked_layers == 0);
}
