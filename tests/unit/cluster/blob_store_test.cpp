#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "coldstart/cluster/blob_store.hpp"
#include "coldstart/core/digest.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/file.hpp"

using namespace coldstart;
using namespace coldstart::cluster;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char name[] = "/tmp/coldstart-store-XXXXXX";
    path = ::mkdtemp(name);
  }
  ~TempDir() { fs::remove_all(path); }
};

image::Descriptor describe(const std::string& bytes) {
  image::Descriptor d;
  d.media_type = "application/vnd.oci.image.layer.v1.tar+gzip";
  d.digest = sha256_digest(bytes);
  d.size = static_cast<std::int64_t>(bytes.size());
  return d;
}

// Files other than lock files (those stay: see file_lock.hpp).
std::size_t files_in(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().extension() != ".lock";
  return n;
}

}  // namespace

TEST_CASE("BlobStore creates an OCI layout in a new directory") {
  TempDir t;
  BlobStore store(t.path / "cache");
  CHECK(nlohmann::json::parse(read_file(t.path / "cache" / "oci-layout"))["imageLayoutVersion"] == "1.0.0");
  auto index = nlohmann::json::parse(read_file(t.path / "cache" / "index.json"));
  CHECK(index["schemaVersion"] == 2);
  CHECK(index["manifests"].empty());
  CHECK(fs::is_directory(t.path / "cache" / "blobs" / "sha256"));
  BlobStore again(t.path / "cache");  // reopening keeps it
}

TEST_CASE("BlobStore accepts a layout another process is creating (blobs/ and ingest/, no oci-layout yet)") {
  TempDir t;
  fs::create_directories(t.path / "blobs" / "sha256");
  fs::create_directories(t.path / "ingest");
  BlobStore store(t.path);
  CHECK(fs::exists(t.path / "oci-layout"));
}

TEST_CASE("BlobStore refuses a non-empty directory that is not a layout, and a file") {
  TempDir t;
  std::ofstream(t.path / "something") << "x";
  CHECK_THROWS_WITH_AS(BlobStore{t.path}, doctest::Contains("is not empty and holds no OCI image layout"), Error);
  CHECK_THROWS_WITH_AS(BlobStore{t.path / "something"}, doctest::Contains("Not a directory"), Error);
}

TEST_CASE("put_blob stores a verified document and refuses a wrong one") {
  TempDir t;
  BlobStore store(t.path);
  std::string doc = R"({"a":1})";
  auto d = describe(doc);
  store.put_blob(d, doc);
  CHECK(read_file(store.blob_path(d.digest)) == doc);
  CHECK(store.has_blob(d, true));
  auto wrong = describe("other");
  CHECK_THROWS_AS(store.put_blob(wrong, doc), Error);
  CHECK_FALSE(fs::exists(store.blob_path(wrong.digest)));
  CHECK(files_in(t.path / "ingest") == 0);  // no temp file left behind
}

TEST_CASE("Ingest: the blob appears in blobs/ only after commit with the right digest") {
  TempDir t;
  BlobStore store(t.path);
  std::string data(100000, 'x');
  auto d = describe(data);
  auto ingest = store.open_ingest(d, true);
  REQUIRE(ingest);
  CHECK_FALSE(ingest->already_present());
  ingest->write_at(50000, std::string_view(data).substr(50000));
  ingest->record(50000, 100000);
  CHECK_FALSE(fs::exists(store.blob_path(d.digest)));
  ingest->write_at(0, std::string_view(data).substr(0, 50000));
  ingest->record(0, 50000);
  CHECK_FALSE(fs::exists(store.blob_path(d.digest)));
  ingest->commit(d.digest, data.size());
  CHECK(read_file(store.blob_path(d.digest)) == data);
  CHECK_FALSE(fs::exists(t.path / "ingest" / (d.digest.substr(7) + ".partial")));
  CHECK_FALSE(fs::exists(t.path / "ingest" / (d.digest.substr(7) + ".ranges")));
}

TEST_CASE("Ingest: a digest mismatch stores nothing and discards the partial") {
  TempDir t;
  BlobStore store(t.path);
  std::string data(1000, 'y');
  auto d = describe(data);
  auto ingest = store.open_ingest(d, true);
  ingest->write_at(0, std::string(1000, 'z'));
  std::string want = "digest mismatch for blob " + d.digest;
  CHECK_THROWS_WITH_AS(ingest->commit(sha256_digest(std::string(1000, 'z')), 1000), doctest::Contains(want.c_str()),
                       Error);
  CHECK_FALSE(fs::exists(store.blob_path(d.digest)));
  CHECK_FALSE(fs::exists(t.path / "ingest" / (d.digest.substr(7) + ".partial")));
}

TEST_CASE("Ingest: an interrupted write resumes from the recorded ranges") {
  TempDir t;
  BlobStore store(t.path);
  std::string data(300000, 'r');
  auto d = describe(data);
  {
    auto ingest = store.open_ingest(d, true);
    ingest->write_at(0, std::string_view(data).substr(0, 100000));
    ingest->record(0, 100000);
    ingest->write_at(200000, std::string_view(data).substr(200000, 50000));  // written, never recorded
  }  // the process "dies" here
  auto again = store.open_ingest(d, true);
  CHECK(again->resumed().ranges() == std::vector<ByteRange>{{0, 100000}});
}

TEST_CASE("Ingest: one writer per blob; a second claim waits or gets nothing") {
  TempDir t;
  BlobStore store(t.path);
  auto d = describe("locked blob");
  auto first = store.open_ingest(d, false);
  REQUIRE(first);
  CHECK(store.open_ingest(d, false) == nullptr);  // flock is per open file: conflicts within a process too
  first->write_at(0, "locked blob");
  first->commit(d.digest, 11);
  first.reset();
  auto later = store.open_ingest(d, false);
  REQUIRE(later);
  CHECK(later->already_present());
}

TEST_CASE("tag_image: one entry per tag, annotated for skopeo and containerd") {
  TempDir t;
  BlobStore store(t.path);
  image::Descriptor m1 = describe("manifest one"), m2 = describe("manifest two");
  m1.media_type = m2.media_type = "application/vnd.oci.image.manifest.v1+json";
  store.tag_image(m1, "v1", "127.0.0.1:5000/aigc:v1");
  store.tag_image(m2, "v2", "127.0.0.1:5000/aigc:v2");
  store.tag_image(m2, "v1", "127.0.0.1:5000/aigc:v1");  // v1 moved
  auto index = nlohmann::json::parse(read_file(t.path / "index.json"));
  REQUIRE(index["manifests"].size() == 2);
  CHECK(index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"] == "v2");
  CHECK(index["manifests"][1]["digest"] == m2.digest);
  CHECK(index["manifests"][1]["annotations"]["org.opencontainers.image.ref.name"] == "v1");
  CHECK(index["manifests"][1]["annotations"]["io.containerd.image.name"] == "127.0.0.1:5000/aigc:v1");
  CHECK(index["manifests"][1]["size"] == m2.size);
}

TEST_CASE("has_blob with verify removes a blob whose content is wrong") {
  TempDir t;
  BlobStore store(t.path);
  std::string data = "good content";
  auto d = describe(data);
  store.put_blob(d, data);
  std::ofstream(store.blob_path(d.digest), std::ios::trunc) << "bad content!";  // same size
  CHECK(store.has_blob(d, false));  // size only
  CHECK_FALSE(store.has_blob(d, true));
  CHECK_FALSE(fs::exists(store.blob_path(d.digest)));
}
