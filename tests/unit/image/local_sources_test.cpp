#include <doctest/doctest.h>

#include "coldstart/core/digest.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/image/local_sources.hpp"
#include "coldstart/image/source.hpp"
#include "local_image_fixture.hpp"

using namespace coldstart;
using namespace coldstart::image;
using fixture::TempDir;
namespace fs = std::filesystem;

namespace {

std::string big_layer() {
  std::string s;
  for (int i = 0; s.size() < 100'003; ++i) s += std::to_string(i * 7919) + ",";
  return s;
}

std::string drain(ByteStream& s) {
  std::string out;
  char buf[4096];
  while (std::size_t n = s.read(buf, sizeof buf)) out.append(buf, n);
  return out;
}

template <typename Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

SourceOptions options(const std::string& platform = "linux/amd64") {
  SourceOptions o;
  o.platform = Platform::parse(platform);
  return o;
}

// A layout with two tagged single-platform images, v1 and v2.
struct TwoTags {
  TempDir tmp;
  fs::path dir = tmp.path / "layout";
  fixture::TinyImage v1 = fixture::add_image(dir, {"layer-a", big_layer(), "layer-c"});
  fixture::TinyImage v2 = fixture::add_image(dir, {"layer-a", "layer-b2"});
  TwoTags() { fixture::write_index(dir, {fixture::tagged(v1.manifest, "v1"), fixture::tagged(v2.manifest, "v2")}); }
};

void check_is_v1(const ResolvedImage& r, const fixture::TinyImage& v1) {
  CHECK(r.manifest_digest == v1.manifest.digest);
  CHECK(r.config_digest == v1.config.digest);
  CHECK(sha256_digest(r.manifest_json) == r.manifest_digest);
  REQUIRE(r.manifest.layers.size() == 3);
  CHECK(r.config.diff_ids.size() == 3);
  CHECK(r.platform.to_string() == "linux/amd64");
}

}  // namespace

TEST_CASE("oci: resolves a tag, lists tags and streams verified blobs") {
  TwoTags t;
  auto src = open_source("oci:" + t.dir.string() + ":v1", options());
  CHECK(src->describe() == "oci:" + t.dir.string() + ":v1");
  ResolvedImage r = src->resolve();
  check_is_v1(r, t.v1);
  CHECK_FALSE(r.index_digest.has_value());
  CHECK(r.manifest_media_type == media_type::oci_manifest);
  CHECK(r.config.created == "2024-01-02T03:04:05Z");
  for (std::size_t i = 0; i < 3; ++i) {
    auto blob = src->open_blob(r.manifest.layers[i]);
    CHECK(drain(*blob) == t.v1.layer_bytes[i]);
  }
  CHECK(src->list_tags() == std::vector<std::string>{"v1", "v2"});
  CHECK(read_blob(*src, r.manifest.config) == t.v1.config_json);
  CHECK_THROWS_WITH_AS(read_blob(*src, r.manifest.layers[1], 1000), doctest::Contains("limit"), Error);
}

TEST_CASE("oci: picks the only image without a tag, and asks when there are several") {
  TempDir tmp;
  auto img = fixture::add_image(tmp.path, {"only"});
  fixture::write_index(tmp.path, {img.manifest});
  CHECK(open_source("oci:" + tmp.path.string(), options())->resolve().manifest_digest == img.manifest.digest);

  TwoTags t;
  auto m = error_of([&] { open_source("oci:" + t.dir.string(), options())->resolve(); });
  CHECK(m.find("holds 2 images") != std::string::npos);
  CHECK(m.find("v1, v2") != std::string::npos);
}

TEST_CASE("oci: a missing tag is one error that lists the tags there are") {
  TwoTags t;
  auto m = error_of([&] { open_source("oci:" + t.dir.string() + ":v9", options())->resolve(); });
  CHECK(m.find("no image named 'v9'") != std::string::npos);
  CHECK(m.find("it has: v1, v2") != std::string::npos);
}

TEST_CASE("oci: by digest, with or without the ':' before '@'") {
  TwoTags t;
  for (std::string sep : {"@", ":@"}) {
    auto r = open_source("oci:" + t.dir.string() + sep + t.v2.manifest.digest, options())->resolve();
    CHECK(r.manifest_digest == t.v2.manifest.digest);
  }
  std::string absent = "sha256:" + std::string(64, 'e');
  CHECK(error_of([&] { open_source("oci:" + t.dir.string() + "@" + absent, options())->resolve(); })
            .find("no manifest " + absent) != std::string::npos);
  CHECK_THROWS_AS(open_source("oci:" + t.dir.string() + "@sha256:12", options()), UsageError);
}

TEST_CASE("oci: a tagged multi-platform index is followed to the wanted platform") {
  TempDir tmp;
  auto amd = fixture::add_image(tmp.path, {"amd-layer"}, "amd64");
  auto arm = fixture::add_image(tmp.path, {"arm-layer"}, "arm64", "v8");
  amd.manifest.platform = Platform{"linux", "amd64", ""};
  arm.manifest.platform = Platform{"linux", "arm64", "v8"};
  auto index = fixture::put_blob(tmp.path, fixture::index_json({amd.manifest, arm.manifest}),
                                 std::string(media_type::oci_index));
  fixture::write_index(tmp.path, {fixture::tagged(index, "latest")});

  auto r = open_source("oci:" + tmp.path.string() + ":latest", options("linux/arm64"))->resolve();
  CHECK(r.manifest_digest == arm.manifest.digest);
  CHECK(r.index_digest == index.digest);
  CHECK(r.platform.to_string() == "linux/arm64/v8");
  CHECK(open_source("oci:" + tmp.path.string(), options())->resolve().manifest_digest == amd.manifest.digest);

  auto m = error_of([&] { open_source("oci:" + tmp.path.string() + ":latest", options("linux/ppc64le"))->resolve(); });
  CHECK(m.find("available: linux/amd64, linux/arm64/v8") != std::string::npos);

  // index.json itself listing platforms (no tag) works the same.
  TempDir flat;
  auto a = fixture::add_image(flat.path, {"a"}, "amd64");
  auto b = fixture::add_image(flat.path, {"b"}, "arm64");
  a.manifest.platform = Platform{"linux", "amd64", ""};
  b.manifest.platform = Platform{"linux", "arm64", ""};
  fixture::write_index(flat.path, {a.manifest, b.manifest});
  CHECK(open_source("oci:" + flat.path.string(), options("linux/arm64"))->resolve().manifest_digest == b.manifest.digest);
}

TEST_CASE("oci: corrupted, missing and wrong-sized blobs give one clear error") {
  TwoTags t;
  std::string image = "oci:" + t.dir.string() + ":v1";
  fs::path layer = t.dir / "blobs/sha256" / fixture::hex(t.v1.layers[1].digest);
  std::string bytes = fixture::slurp(layer);
  bytes[500] ^= 0x20;
  fixture::write(layer, bytes);
  auto src = open_source(image, options());
  auto r = src->resolve();  // documents are fine
  auto m = error_of([&] { drain(*src->open_blob(r.manifest.layers[1])); });
  CHECK(m.find("digest mismatch") != std::string::npos);
  CHECK(m.find(t.v1.layers[1].digest) != std::string::npos);

  fs::path config = t.dir / "blobs/sha256" / fixture::hex(t.v1.config.digest);
  fixture::write(config, fixture::slurp(config) + " ");
  CHECK(error_of([&] { open_source(image, options())->resolve(); }).find("longer than") != std::string::npos);

  fs::remove(t.dir / "blobs/sha256" / fixture::hex(t.v1.manifest.digest));
  m = error_of([&] { open_source(image, options())->resolve(); });
  CHECK(m.find("missing from") != std::string::npos);
  CHECK(m.find(t.v1.manifest.digest) != std::string::npos);
}

TEST_CASE("oci: paths that are not layouts") {
  TempDir tmp;
  CHECK(error_of([&] { open_source("oci:" + tmp.path.string() + "/nope:v1", options()); }).find("does not exist") !=
        std::string::npos);
  CHECK(error_of([&] { open_source("oci:" + tmp.path.string(), options())->resolve(); })
            .find("not an OCI image layout") != std::string::npos);
  fixture::write(tmp.path / "file", "x");
  CHECK(error_of([&] { open_source("oci:" + (tmp.path / "file").string(), options()); }).find("not a directory") !=
        std::string::npos);
  fixture::write(tmp.path / "index.json", "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"x\"}]}");
  CHECK(error_of([&] { open_source("oci:" + tmp.path.string(), options())->resolve(); }).find("index.json of") !=
        std::string::npos);
}

TEST_CASE("oci-archive: the same image read in place from a tar, plain or gzip-compressed") {
  TwoTags t;
  ResolvedImage from_dir = open_source("oci:" + t.dir.string() + ":v1", options())->resolve();
  for (bool gzip : {false, true}) {
    CAPTURE(gzip);
    fs::path tar = t.tmp.path / (gzip ? "image.tar.gz" : "image.tar");
    REQUIRE(fixture::make_tar(t.dir, tar, gzip));
    auto src = open_source("oci-archive:" + tar.string() + ":v1", options());
    ResolvedImage r = src->resolve();
    check_is_v1(r, t.v1);
    CHECK(r.manifest_json == from_dir.manifest_json);
    for (std::size_t i = 0; i < 3; ++i) CHECK(drain(*src->open_blob(r.manifest.layers[i])) == t.v1.layer_bytes[i]);
    CHECK(src->list_tags() == std::vector<std::string>{"v1", "v2"});
  }
}

TEST_CASE("oci-archive: truncated, missing and non-tar files are errors") {
  TwoTags t;
  fs::path tar = t.tmp.path / "image.tar";
  REQUIRE(fixture::make_tar(t.dir, tar));
  std::string bytes = fixture::slurp(tar);
  std::size_t big_at = bytes.find(big_layer().substr(0, 200));
  REQUIRE(big_at != std::string::npos);
  for (std::size_t keep : {big_at + 50'000, big_at + 100'001, std::size_t{700}}) {
    CAPTURE(keep);
    fixture::write(t.tmp.path / "cut.tar", bytes.substr(0, keep));
    auto m = error_of([&] {
      auto src = open_source("oci-archive:" + (t.tmp.path / "cut.tar").string() + ":v1", options());
      auto r = src->resolve();
      for (const auto& l : r.manifest.layers) drain(*src->open_blob(l));
    });
    CHECK(m.find("cut.tar") != std::string::npos);
  }
  CHECK(error_of([&] { open_source("oci-archive:" + (t.tmp.path / "none.tar").string(), options()); })
            .find("does not exist") != std::string::npos);
  fixture::write(t.tmp.path / "junk.tar", std::string(4000, 'j'));
  CHECK_THROWS_AS(open_source("oci-archive:" + (t.tmp.path / "junk.tar").string(), options()), Error);
  CHECK(error_of([&] { open_source("oci-archive:" + t.dir.string(), options()); }).find("is a directory") !=
        std::string::npos);
}

TEST_CASE("docker-archive: the legacy docker save form, with real and symlinked layer.tar") {
  TwoTags t;
  for (bool symlink : {false, true}) {
    CAPTURE(symlink);
    TempDir save;
    fixture::write_docker_save(save.path, t.v1, "aigc:v1", symlink);
    fs::path tar = t.tmp.path / "save.tar";
    REQUIRE(fixture::make_tar(save.path, tar));
    for (std::string suffix : {"", ":aigc:v1", ":docker.io/library/aigc:v1", ":@0"}) {
      CAPTURE(suffix);
      auto src = open_source("docker-archive:" + tar.string() + suffix, options());
      ResolvedImage r = src->resolve();
      CHECK(r.config_digest == t.v1.config.digest);
      CHECK(r.manifest_media_type == media_type::docker_manifest);
      CHECK(sha256_digest(r.manifest_json) == r.manifest_digest);
      REQUIRE(r.manifest.layers.size() == 3);
      for (std::size_t i = 0; i < 3; ++i) {
        // No compressed digests in this form: the layer tar's own digest, which is the diff_id.
        CHECK(r.manifest.layers[i].digest == r.config.diff_ids[i]);
        CHECK(r.manifest.layers[i].media_type == media_type::docker_layer_tar);
        CHECK(drain(*src->open_blob(r.manifest.layers[i])) == t.v1.layer_bytes[i]);
      }
      CHECK(drain(*src->open_blob(r.manifest.config)) == t.v1.config_json);
    }
    auto m = error_of([&] { open_source("docker-archive:" + tar.string() + ":aigc:v9", options())->resolve(); });
    CHECK(m.find("no image named 'aigc:v9'") != std::string::npos);
    CHECK(m.find("aigc:v1") != std::string::npos);
  }
}

TEST_CASE("docker-archive: a config that does not match its name is caught") {
  TwoTags t;
  TempDir save;
  fixture::write_docker_save(save.path, t.v1, "aigc:v1");
  fixture::write(save.path / (fixture::hex(t.v1.config.digest) + ".json"), t.v2.config_json);
  fs::path tar = t.tmp.path / "bad.tar";
  REQUIRE(fixture::make_tar(save.path, tar));
  CHECK(error_of([&] { open_source("docker-archive:" + tar.string(), options())->resolve(); })
            .find("digest mismatch") != std::string::npos);
}

TEST_CASE("docker-archive: the Docker 25+ form is read through its OCI index") {
  TwoTags t;
  TempDir d25;
  fs::copy(t.dir, d25.path, fs::copy_options::recursive);
  auto desc = t.v1.manifest;
  desc.annotations["io.containerd.image.name"] = "docker.io/library/aigc:v1";
  desc.annotations["org.opencontainers.image.ref.name"] = "v1";
  fixture::write_index(d25.path, {desc});
  nlohmann::json legacy = nlohmann::json::array();
  legacy.push_back({{"Config", "blobs/sha256/" + fixture::hex(t.v1.config.digest)}, {"RepoTags", {"aigc:v1"}},
                    {"Layers", nlohmann::json::array()}});
  fixture::write(d25.path / "manifest.json", legacy.dump());
  fs::path tar = t.tmp.path / "d25.tar";
  REQUIRE(fixture::make_tar(d25.path, tar));
  for (std::string suffix : {"", ":aigc:v1"}) {
    auto src = open_source("docker-archive:" + tar.string() + suffix, options());
    ResolvedImage r = src->resolve();
    check_is_v1(r, t.v1);  // the real manifest, not a synthesized one
    CHECK(drain(*src->open_blob(r.manifest.layers[2])) == t.v1.layer_bytes[2]);
  }
}

TEST_CASE("open_source: transports and malformed arguments") {
  CHECK_THROWS_AS(open_source("", options()), UsageError);
  CHECK_THROWS_AS(open_source("oci:", options()), UsageError);
  CHECK_THROWS_AS(open_source("docker-archive:", options()), UsageError);
  CHECK_THROWS_WITH_AS(open_source("containers-storage:x", options()), doctest::Contains("not supported"), UsageError);
  CHECK_THROWS_AS(open_source("Bad Name", options()), UsageError);
  CHECK_THROWS_AS(open_source("docker://UPPER/case/Repo", options()), UsageError);
  TempDir tmp;
  CHECK_THROWS_WITH_AS(open_source(tmp.path.string() + "/", options()), doctest::Contains("oci:"), UsageError);
}

TEST_CASE("docker-archive: a tar holding only an OCI layout is read by its ref names") {
  TwoTags t;
  fs::path tar = t.tmp.path / "oci-only.tar";
  REQUIRE(fixture::make_tar(t.dir, tar));
  CHECK(open_source("docker-archive:" + tar.string() + ":v2", options())->resolve().manifest_digest ==
        t.v2.manifest.digest);
  auto m = error_of([&] { open_source("docker-archive:" + tar.string() + ":aigc:v9", options())->resolve(); });
  CHECK(m.find("no image named 'aigc:v9'") != std::string::npos);
  CHECK(m.find("v1, v2") != std::string::npos);
}

TEST_CASE("oci: a sha512 digest is refused up front, not verified as SHA-256 and called corrupt") {
  TwoTags t;
  std::string sha512 = "sha512:" + std::string(128, 'a');
  for (std::string sep : {"@", ":@"}) {
    CAPTURE(sep);
    CHECK_THROWS_WITH_AS(open_source("oci:" + t.dir.string() + sep + sha512, options()),
                         doctest::Contains("unsupported digest algorithm"), UsageError);
    CHECK_THROWS_WITH_AS(open_source("oci-archive:" + t.dir.string() + ".tar" + sep + sha512, options()),
                         doctest::Contains("unsupported digest algorithm"), UsageError);
  }
  // A sha512 descriptor inside a layout: named as unsupported, never as a digest mismatch.
  Descriptor d = t.v1.layers[0];
  d.digest = sha512;
  fixture::write(t.dir / "blobs" / "sha512" / std::string(128, 'a'), t.v1.layer_bytes[0]);
  auto m = error_of([&] { drain(*open_source("oci:" + t.dir.string() + ":v1", options())->open_blob(d)); });
  CHECK(m.find("unsupported digest algorithm") != std::string::npos);
  CHECK(m.find("mismatch") == std::string::npos);
}

namespace {
// The coldstart-archive-* directories in `dir`.
std::size_t unpack_dirs(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().starts_with("coldstart-archive-")) ++n;
  return n;
}
// Points $TMPDIR at `dir` for the scope.
struct TmpdirOverride {
  std::string old;
  bool had = false;
  explicit TmpdirOverride(const fs::path& dir) {
    if (const char* v = std::getenv("TMPDIR")) old = v, had = true;
    ::setenv("TMPDIR", dir.c_str(), 1);
  }
  ~TmpdirOverride() {
    if (had) ::setenv("TMPDIR", old.c_str(), 1);
    else ::unsetenv("TMPDIR");
  }
};
}  // namespace

TEST_CASE("docker-archive: a compressed archive is unpacked to a temp dir that never outlives a failure") {
  TwoTags t;
  TempDir save, tmpdir;
  fixture::write_docker_save(save.path, t.v1, "aigc:v1");
  fs::path tgz = t.tmp.path / "save.tar.gz";
  REQUIRE(fixture::make_tar(save.path, tgz, true));
  TmpdirOverride scoped(tmpdir.path);
  {
    auto src = open_source("docker-archive:" + tgz.string(), options());
    ResolvedImage r = src->resolve();
    CHECK(drain(*src->open_blob(r.manifest.layers[1])) == t.v1.layer_bytes[1]);
    CHECK(unpack_dirs(tmpdir.path) == 1);  // in use while the source lives
  }
  CHECK(unpack_dirs(tmpdir.path) == 0);
  // Truncated gzip: the indexing fails half-way, with one error naming the archive, and cleans up.
  std::string bytes = fixture::slurp(tgz);
  fixture::write(t.tmp.path / "cut.tar.gz", bytes.substr(0, bytes.size() * 2 / 3));
  auto m = error_of([&] { open_source("docker-archive:" + (t.tmp.path / "cut.tar.gz").string(), options()); });
  CHECK(m.find("cut.tar.gz") != std::string::npos);
  CHECK(unpack_dirs(tmpdir.path) == 0);
  // Over the unpack limit: refused before filling the disk, with a way out.
  ::setenv("COLDSTART_UNPACK_LIMIT", "50000", 1);
  m = error_of([&] { open_source("docker-archive:" + tgz.string(), options()); });
  ::unsetenv("COLDSTART_UNPACK_LIMIT");
  CHECK(m.find("unpacking it needs more than 50000 bytes") != std::string::npos);
  CHECK(unpack_dirs(tmpdir.path) == 0);
}
