// Finding one image of a layout cache by its registry reference, and the blobs it needs.
#include <doctest/doctest.h>

#include "../image/local_image_fixture.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/image/reference.hpp"
#include "src/cached_image.hpp"

using coldstart::Error;
using coldstart::cluster::detail::find_cached_image;
using coldstart::image::Reference;

namespace {

fixture::Descriptor named(fixture::Descriptor d, const std::string& tag, const std::string& full) {
  d = fixture::tagged(d, tag);
  d.annotations["io.containerd.image.name"] = full;
  return d;
}

std::string error_of(const std::filesystem::path& layout, const std::string& ref) {
  try {
    find_cached_image(layout, Reference::parse(ref));
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("a skopeo layout: the tag names the image, every blob is listed once, documents first") {
  fixture::TempDir dir;
  auto img = fixture::add_image(dir.path, {"layer-a", "layer-b", "layer-a"});  // a repeated layer
  fixture::write_index(dir.path, {fixture::tagged(img.manifest, "v5")});
  auto found = find_cached_image(dir.path, Reference::parse("127.0.0.1:5000/aigc:v5"));
  CHECK(found.target.digest == img.manifest.digest);
  CHECK(found.target.annotations.empty());
  REQUIRE(found.blobs.size() == 4);
  CHECK(found.blobs[0].digest == img.manifest.digest);
  CHECK(found.blobs[1].digest == img.config.digest);
  CHECK(found.blobs[2].digest == img.layers[0].digest);
  CHECK(found.blobs[3].digest == img.layers[1].digest);
  // by digest, and by a ref.name that holds the whole reference (crane, ctr export)
  CHECK(find_cached_image(dir.path, Reference::parse("127.0.0.1:5000/aigc@" + img.manifest.digest)).target.digest ==
        img.manifest.digest);
  fixture::write_index(dir.path, {fixture::tagged(img.manifest, "127.0.0.1:5000/aigc:v5")});
  CHECK(find_cached_image(dir.path, Reference::parse("127.0.0.1:5000/aigc:v5")).target.digest == img.manifest.digest);
}

TEST_CASE("io.containerd.image.name tells apart images that share a tag") {
  fixture::TempDir dir;
  auto a = fixture::add_image(dir.path, {"a"});
  auto b = fixture::add_image(dir.path, {"b"});
  fixture::write_index(dir.path, {named(a.manifest, "v1", "reg.example/a:v1"), named(b.manifest, "v1", "reg.example/b:v1")});
  CHECK(find_cached_image(dir.path, Reference::parse("reg.example/b:v1")).target.digest == b.manifest.digest);
  CHECK(find_cached_image(dir.path, Reference::parse("reg.example/a:v1")).target.digest == a.manifest.digest);
  // an entry named for another image is not taken by its tag
  CHECK(error_of(dir.path, "reg.example/c:v1").find("reg.example/c:v1 is not in the cache") != std::string::npos);
  // docker.io names compare in canonical form
  fixture::write_index(dir.path, {named(a.manifest, "22.04", "docker.io/library/ubuntu:22.04")});
  CHECK(find_cached_image(dir.path, Reference::parse("ubuntu:22.04")).target.digest == a.manifest.digest);
}

TEST_CASE("a tag on two different images without full names is ambiguous") {
  fixture::TempDir dir;
  auto a = fixture::add_image(dir.path, {"a"});
  auto b = fixture::add_image(dir.path, {"b"});
  fixture::write_index(dir.path, {fixture::tagged(a.manifest, "v1"), fixture::tagged(b.manifest, "v1")});
  std::string e = error_of(dir.path, "reg.example/a:v1");
  CHECK(e.find("matches several images") != std::string::npos);
  CHECK(e.find("REPO@sha256") != std::string::npos);
}

TEST_CASE("an index: the platforms present in the cache are listed, absent ones skipped") {
  fixture::TempDir dir;
  auto amd = fixture::add_image(dir.path, {"amd"});
  auto arm = fixture::add_image(dir.path, {"arm"}, "arm64", "v8");
  amd.manifest.platform = coldstart::image::Platform{"linux", "amd64", ""};
  arm.manifest.platform = coldstart::image::Platform{"linux", "arm64", "v8"};
  auto index = fixture::put_blob(dir.path, fixture::index_json({amd.manifest, arm.manifest}),
                                 "application/vnd.oci.image.index.v1+json");
  std::filesystem::remove(dir.path / "blobs/sha256" / fixture::hex(arm.manifest.digest));  // only amd64 pulled
  fixture::write_index(dir.path, {fixture::tagged(index, "latest")});
  auto found = find_cached_image(dir.path, Reference::parse("reg.example/multi:latest"));
  CHECK(found.target.digest == index.digest);
  REQUIRE(found.blobs.size() == 4);  // index, amd64 manifest, config, layer
  CHECK(found.blobs[1].digest == amd.manifest.digest);
}

TEST_CASE("missing or damaged cache content fails with one line naming the layout") {
  fixture::TempDir dir;
  CHECK(error_of(dir.path / "nope", "reg.example/a:v1").find("does not exist") != std::string::npos);
  CHECK(error_of(dir.path, "reg.example/a:v1").find("has no index.json") != std::string::npos);

  auto img = fixture::add_image(dir.path, {"one", "two"});
  fixture::write_index(dir.path, {fixture::tagged(img.manifest, "v1")});
  CHECK(error_of(dir.path, "reg.example/a:v2").find("(it holds: v1 (") != std::string::npos);

  std::filesystem::remove(dir.path / "blobs/sha256" / fixture::hex(img.layers[1].digest));
  std::string e = error_of(dir.path, "reg.example/a:v1");
  CHECK(e.find("lacks layer 1 of reg.example/a:v1") != std::string::npos);
  CHECK(e.find("--layers all") != std::string::npos);

  fixture::write(dir.path / "blobs/sha256" / fixture::hex(img.layers[1].digest), "twoX");
  CHECK(error_of(dir.path, "reg.example/a:v1").find("has 4 bytes") != std::string::npos);

  fixture::write(dir.path / "blobs/sha256" / fixture::hex(img.manifest.digest), "{}");
  CHECK(error_of(dir.path, "reg.example/a:v1").find("bytes") != std::string::npos);  // size differs first
}
