#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "coldstart/core/digest.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/image/manifest.hpp"
#include "coldstart/image/media_types.hpp"

using namespace coldstart;
using namespace coldstart::image;
using nlohmann::json;

namespace {
const std::string D1 = "sha256:" + std::string(64, '1');
const std::string D2 = "sha256:" + std::string(64, '2');
const std::string D3 = "sha256:" + std::string(64, '3');

json desc(const std::string& media, const std::string& digest, int size) {
  return {{"mediaType", media}, {"digest", digest}, {"size", size}};
}

json oci_manifest() {
  return {{"schemaVersion", 2},
          {"mediaType", media_type::oci_manifest},
          {"config", desc(std::string(media_type::oci_config), D1, 100)},
          {"layers", {desc(std::string(media_type::oci_layer_gzip), D2, 2000),
                      desc(std::string(media_type::oci_layer_zstd), D3, 3000)}},
          {"annotations", {{"org.opencontainers.image.created", "2024"}}}};
}

std::string error_of(auto&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("OCI and Docker v2 manifests parse with their descriptors") {
  Manifest m = parse_manifest(oci_manifest().dump(), "test manifest");
  CHECK(m.media_type == media_type::oci_manifest);
  CHECK(m.config.digest == D1);
  CHECK(m.config.size == 100);
  REQUIRE(m.layers.size() == 2);
  CHECK(m.layers[1].media_type == media_type::oci_layer_zstd);
  CHECK(m.layers[1].size == 3000);
  CHECK(m.annotations.at("org.opencontainers.image.created") == "2024");

  json docker = {{"schemaVersion", 2},
                 {"mediaType", media_type::docker_manifest},
                 {"config", desc(std::string(media_type::docker_config), D1, 10)},
                 {"layers", {desc(std::string(media_type::docker_layer_gzip), D2, 20)}}};
  CHECK(parse_manifest(docker.dump(), "m").media_type == media_type::docker_manifest);

  json bare = oci_manifest();  // OCI allows the mediaType to be absent
  bare.erase("mediaType");
  CHECK(parse_manifest(bare.dump(), "m").media_type == media_type::oci_manifest);
  CHECK(detect_media_type(bare.dump(), "m") == media_type::oci_manifest);
}

TEST_CASE("indexes and manifest lists parse with platforms") {
  json list = {{"schemaVersion", 2},
               {"mediaType", media_type::docker_manifest_list},
               {"manifests",
                {desc(std::string(media_type::docker_manifest), D1, 1),
                 desc(std::string(media_type::docker_manifest), D2, 1)}}};
  list["manifests"][0]["platform"] = {{"os", "linux"}, {"architecture", "amd64"}};
  list["manifests"][1]["platform"] = {{"os", "linux"}, {"architecture", "arm64"}, {"variant", "v8"}};
  Index i = parse_index(list.dump(), "list");
  CHECK(i.media_type == media_type::docker_manifest_list);
  REQUIRE(i.manifests.size() == 2);
  CHECK(i.manifests[1].platform->to_string() == "linux/arm64/v8");
  CHECK(detect_media_type(list.dump(), "x") == media_type::docker_manifest_list);
  json bare = {{"schemaVersion", 2}, {"manifests", json::array()}};
  CHECK(detect_media_type(bare.dump(), "x") == media_type::oci_index);
  // Asking for the wrong kind is an error, not a silent empty result.
  CHECK(error_of([&] { parse_manifest(list.dump(), "doc"); }).find("is an index") != std::string::npos);
  CHECK(error_of([&] { parse_index(oci_manifest().dump(), "doc"); }).find("not an index") != std::string::npos);
}

TEST_CASE("schema 1, unknown media types and malformed documents are refused clearly") {
  json v1 = {{"schemaVersion", 1}, {"name", "x"}, {"fsLayers", json::array()}};
  CHECK(error_of([&] { parse_manifest(v1.dump(), "manifest of a/b:c"); }).find("schema 1") != std::string::npos);
  json v1mt = {{"schemaVersion", 1}, {"mediaType", media_type::docker_schema1_signed}};
  CHECK(error_of([&] { detect_media_type(v1mt.dump(), "m"); }).find("schema 1") != std::string::npos);

  json odd = oci_manifest();
  odd["mediaType"] = "application/vnd.example+json";
  auto m = error_of([&] { parse_manifest(odd.dump(), "manifest of a/b:c"); });
  CHECK(m.find("unsupported media type 'application/vnd.example+json'") != std::string::npos);
  CHECK(m.find("manifest of a/b:c") != std::string::npos);

  CHECK(error_of([&] { parse_manifest("{not json", "m"); }).find("not valid JSON") != std::string::npos);
  CHECK(error_of([&] { parse_manifest("[1,2]", "m"); }).find("not a JSON object") != std::string::npos);
  CHECK(error_of([&] { parse_manifest("{}", "m"); }).find("neither") != std::string::npos);
  json v3 = oci_manifest();
  v3["schemaVersion"] = 3;
  CHECK(error_of([&] { parse_manifest(v3.dump(), "m"); }).find("schemaVersion 3") != std::string::npos);
  json no_config = oci_manifest();
  no_config.erase("config");
  CHECK(error_of([&] { parse_manifest(no_config.dump(), "m"); }).find("no 'config'") != std::string::npos);
}

TEST_CASE("descriptors need a valid digest and a non-negative integer size") {
  json bad_digest = oci_manifest();
  bad_digest["layers"][0]["digest"] = "sha256:1234";
  CHECK(error_of([&] { parse_manifest(bad_digest.dump(), "m"); }).find("invalid digest 'sha256:1234'") != std::string::npos);
  json negative = oci_manifest();
  negative["layers"][1]["size"] = -5;
  CHECK(error_of([&] { parse_manifest(negative.dump(), "m"); }).find("layer 1 of m has a negative size") != std::string::npos);
  json text_size = oci_manifest();
  text_size["config"]["size"] = "100";
  CHECK(error_of([&] { parse_manifest(text_size.dump(), "m"); }).find("integer 'size'") != std::string::npos);
  json no_media = oci_manifest();
  no_media["layers"][0].erase("mediaType");
  CHECK_THROWS_AS(parse_manifest(no_media.dump(), "m"), Error);
  // Sizes whose sum over the layers could overflow 64 bits are refused one by one.
  json huge = oci_manifest();
  huge["layers"][0]["size"] = std::int64_t{9223372036854775807};
  CHECK(error_of([&] { parse_manifest(huge.dump(), "m"); }).find("implausible size of 9223372036854775807") !=
        std::string::npos);
  huge["layers"][0]["size"] = kMaxBlobBytes;
  CHECK_NOTHROW(parse_manifest(huge.dump(), "m"));
}

TEST_CASE("documents larger than the cap are refused before parsing") {
  std::string big = oci_manifest().dump();
  big.insert(big.size() - 1, ",\"pad\":\"" + std::string(max_document_bytes(), 'x') + "\"");
  CHECK(error_of([&] { parse_manifest(big, "m"); }).find("limit") != std::string::npos);
  CHECK_THROWS_AS(parse_config(big, "c"), Error);
  // --max-document-size raises the cap for the whole process.
  set_max_document_bytes(2 * kDefaultMaxDocumentBytes);
  CHECK_NOTHROW(parse_manifest(big, "m"));
  set_max_document_bytes(kDefaultMaxDocumentBytes);
}

TEST_CASE("configs give created, platform, diff_ids and history") {
  json cfg = {{"created", "2024-05-01T00:00:00Z"},
              {"architecture", "arm64"},
              {"os", "linux"},
              {"variant", "v8"},
              {"rootfs", {{"type", "layers"}, {"diff_ids", {D1, D2}}}},
              {"history",
               {{{"created_by", "ADD rootfs /"}},
                {{"created_by", "ENV PATH=/x"}, {"empty_layer", true}},
                {{"created_by", "RUN pip install torch"}, {"comment", "buildkit"}}}}};
  ImageConfig c = parse_config(cfg.dump(), "config");
  CHECK(c.created == "2024-05-01T00:00:00Z");
  CHECK(c.platform.to_string() == "linux/arm64/v8");
  CHECK(c.diff_ids == std::vector<std::string>{D1, D2});
  REQUIRE(c.history.size() == 3);
  CHECK(c.history[1].empty_layer);
  CHECK(c.raw["os"] == "linux");

  auto per_layer = history_per_layer(c, 2);
  REQUIRE(per_layer.size() == 2);
  REQUIRE(per_layer[0] != nullptr);
  REQUIRE(per_layer[1] != nullptr);
  CHECK(per_layer[0]->created_by == "ADD rootfs /");
  CHECK(per_layer[1]->created_by == "RUN pip install torch");  // the ENV entry is skipped
  auto longer = history_per_layer(c, 3);  // history shorter than the layer list
  CHECK(longer[2] == nullptr);

  json bad = cfg;
  bad["rootfs"]["diff_ids"][1] = "nope";
  CHECK_THROWS_AS(parse_config(bad.dump(), "config"), Error);
  json bad_history = cfg;
  bad_history["history"][0]["empty_layer"] = "yes";
  CHECK_THROWS_AS(parse_config(bad_history.dump(), "config"), Error);
}

TEST_CASE("select_platform picks the wanted platform and lists the others when missing") {
  Index index;
  index.media_type = std::string(media_type::oci_index);
  auto add = [&](const std::string& digest, Platform p, std::string media = std::string(media_type::oci_manifest)) {
    Descriptor d;
    d.media_type = std::move(media);
    d.digest = digest;
    d.size = 1;
    d.platform = p;
    index.manifests.push_back(d);
  };
  add(D1, Platform::parse("linux/amd64"));
  add(D2, Platform{"linux", "arm64", ""});
  add(D3, Platform{"unknown", "unknown", ""});  // a buildkit attestation
  CHECK(select_platform(index, Platform::parse("linux/amd64"), "idx").digest == D1);
  CHECK(select_platform(index, Platform::parse("linux/arm64"), "idx").digest == D2);
  CHECK(select_platform(index, Platform::parse("linux/arm64/v8"), "idx").digest == D2);
  std::string m = error_of([&] { select_platform(index, Platform::parse("linux/s390x"), "index of a/b:c"); });
  CHECK(m.find("linux/s390x") != std::string::npos);
  CHECK(m.find("available: linux/amd64, linux/arm64") != std::string::npos);
  CHECK(m.find("unknown") == std::string::npos);
  CHECK(m.find("--platform") != std::string::npos);

  Index arm;  // an exact variant beats the first loose match
  arm.manifests = {index.manifests[0], index.manifests[0]};
  arm.manifests[0].platform = Platform{"linux", "arm", "v6"};
  arm.manifests[0].digest = D1;
  arm.manifests[1].platform = Platform{"linux", "arm", "v7"};
  arm.manifests[1].digest = D2;
  CHECK(select_platform(arm, Platform::parse("linux/arm/v7"), "i").digest == D2);
  CHECK(select_platform(arm, Platform::parse("linux/arm"), "i").digest == D1);
  CHECK(error_of([&] { select_platform(Index{}, Platform{}, "empty"); }).find("empty index") != std::string::npos);
}

TEST_CASE("platform strings parse and match") {
  CHECK(Platform::parse("linux/arm64/v8").variant == "v8");
  CHECK_THROWS_AS(Platform::parse("linux"), UsageError);
  CHECK_THROWS_AS(Platform::parse("linux//v8"), UsageError);
  CHECK(Platform::parse("linux/arm64/v8").matches(Platform{"linux", "arm64", ""}));
  CHECK_FALSE(Platform::parse("linux/arm/v7").matches(Platform{"linux", "arm", "v6"}));
  CHECK_FALSE(Platform::parse("windows/amd64").matches(Platform{"linux", "amd64", ""}));
}

TEST_CASE("layer media types are classified by how their bytes are stored") {
  CHECK(classify_layer(media_type::oci_layer_gzip) == LayerKind::gzip);
  CHECK(classify_layer(media_type::docker_layer_gzip) == LayerKind::gzip);
  CHECK(classify_layer(media_type::oci_layer_zstd) == LayerKind::zstd);
  CHECK(classify_layer(media_type::docker_layer_zstd) == LayerKind::zstd);
  CHECK(classify_layer(media_type::oci_layer_tar) == LayerKind::tar);
  CHECK(classify_layer(media_type::docker_layer_tar) == LayerKind::tar);
  CHECK(classify_layer(media_type::docker_foreign_gzip) == LayerKind::foreign);
  CHECK(classify_layer("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip") == LayerKind::foreign);
  CHECK(classify_layer("application/vnd.cncf.helm.chart.content.v1.tar+gzip") == LayerKind::unknown);
  CHECK(classify_layer(media_type::oci_config) == LayerKind::unknown);
  CHECK(classify_layer("") == LayerKind::unknown);
  CHECK(to_string(LayerKind::foreign) == "foreign");
  CHECK(is_index_media_type(media_type::docker_manifest_list));
  CHECK_FALSE(is_manifest_media_type(media_type::docker_schema1));
}

// Found by fuzz/image_json: a number beyond double's range ("1e400") made nlohmann throw
// out_of_range, which escaped parse_document's catch of parse_error as a foreign exception.
TEST_CASE("a number out of double's range is invalid JSON, not a foreign exception") {
  for (const char* doc : {R"({"schemaVersion": -1e3002})", R"({"config": {"size": 1e400}})"}) {
    CHECK_THROWS_WITH_AS(detect_media_type(doc, "manifest of x"), doctest::Contains("manifest of x is not valid JSON"),
                         coldstart::Error);
    CHECK_THROWS_AS(parse_manifest(doc, "manifest of x"), coldstart::Error);
    CHECK_THROWS_AS(parse_index(doc, "index of x"), coldstart::Error);
    CHECK_THROWS_AS(parse_config(doc, "config of x"), coldstart::Error);
  }
}
