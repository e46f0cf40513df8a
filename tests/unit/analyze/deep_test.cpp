// analyze_deep end to end over real gzip / zstd / plain layer bytes served from memory.
#include <doctest/doctest.h>

#include "coldstart/core/error.hpp"
#include "coldstart/analyze/deep_analysis.hpp"
#include "../image/layer_fixture.hpp"

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
      lf::file("models/extra.gguf", std::string(64, 'g')),
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
  CHECK(category(r, ContentCategory::model_weights).files == 2);
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

TEST_CASE("a truncated layer in the middle of the image fails the analysis cleanly") {
  auto layers = sample_layers();
  std::string big(256 * 1024, '\0');
  std::uint64_t x = 7;
  for (auto& c : big) c = static_cast<char>(x = x * 6364136223846793005ull + 1442695040888963407ull, x >> 56);
  auto broken = lf::gzip_layer({lf::file("blob.bin", big)});
  broken.blob.resize(broken.blob.size() / 2);  // the descriptor matches these bytes: only the gzip is cut
  layers.insert(layers.begin() + 1, broken);
  lf::MemorySource source(layers);
  for (unsigned parallel : {1u, 4u}) {
    CHECK_THROWS_WITH_AS(run(source, parallel), doctest::Contains("gzip stream is truncated"), coldstart::Error);
  }
}

TEST_CASE("an image without layers gives an empty report") {
  lf::MemorySource source({});
  auto r = run(source);
  CHECK(r.files == 0);
  CHECK(r.layers.empty());
  CHECK(r.wasted_ratio == 0);
}
