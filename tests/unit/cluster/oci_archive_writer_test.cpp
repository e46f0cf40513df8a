// The OCI archive stream: a tar that libarchive (and so ctr, skopeo) reads back entry for entry,
// and a corrupt blob stopped before its last byte.
#include <archive.h>
#include <archive_entry.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <map>

#include "../image/local_image_fixture.hpp"
#include "coldstart/core/error.hpp"
#include "src/child_process.hpp"
#include "src/oci_archive_writer.hpp"

using coldstart::cluster::detail::OciArchiveWriter;

namespace {

std::map<std::string, std::string> read_tar(const std::filesystem::path& file) {
  std::map<std::string, std::string> out;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  REQUIRE(archive_read_open_filename(a, file.c_str(), 10240) == ARCHIVE_OK);
  archive_entry* entry;
  while (archive_read_next_header(a, &entry) == ARCHIVE_OK) {
    std::string data(static_cast<std::size_t>(archive_entry_size(entry)), '\0');
    if (!data.empty()) archive_read_data(a, data.data(), data.size());
    out[archive_entry_pathname(entry)] = data;
  }
  archive_read_free(a);
  return out;
}

}  // namespace

TEST_CASE("the stream is a tar of oci-layout, the blobs and index.json") {
  fixture::TempDir dir;
  std::string big(3 << 20, 'x');  // spans several 1 MiB chunks
  big[12345] = 'y';
  auto blob = fixture::put_blob(dir.path / "layout", big, "application/vnd.oci.image.layer.v1.tar");
  auto path = dir.path / "out.tar";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(fd >= 0);
  {
    OciArchiveWriter tar(fd);
    tar.add_file("oci-layout", "{}");
    tar.add_blob(dir.path / "layout/blobs/sha256" / fixture::hex(blob.digest), blob, true);
    tar.add_file("index.json", R"({"schemaVersion":2})");
    tar.finish();
    CHECK(tar.blob_bytes() == big.size());
  }
  ::close(fd);
  auto entries = read_tar(path);
  REQUIRE(entries.size() == 3);
  CHECK(entries["oci-layout"] == "{}");
  CHECK(entries["blobs/sha256/" + fixture::hex(blob.digest)] == big);
  CHECK(entries["index.json"] == R"({"schemaVersion":2})");
}

TEST_CASE("a corrupt or short blob throws before its last byte is written") {
  fixture::TempDir dir;
  std::string bytes(2 << 20, 'a');
  auto blob = fixture::put_blob(dir.path / "layout", bytes, "application/vnd.oci.image.layer.v1.tar");
  auto file = dir.path / "layout/blobs/sha256" / fixture::hex(blob.digest);
  bytes[100] = 'b';
  fixture::write(file, bytes);
  auto path = dir.path / "out.tar";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(fd >= 0);
  {
    OciArchiveWriter tar(fd);
    CHECK_THROWS_WITH_AS(tar.add_blob(file, blob, true), doctest::Contains("is corrupt"), coldstart::Error);
  }
  ::close(fd);
  CHECK(std::filesystem::file_size(path) < bytes.size());  // the second chunk never left

  fixture::write(file, bytes.substr(0, 1000));
  fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  {
    OciArchiveWriter tar(fd);
    CHECK_THROWS_WITH_AS(tar.add_blob(file, blob, false), doctest::Contains("shorter than its descriptor"),
                         coldstart::Error);
  }
  ::close(fd);
}

TEST_CASE("a reader that went away is reported as StreamClosed, not killed by SIGPIPE") {
  fixture::TempDir dir;
  std::string bytes(1 << 20, 'a');
  auto blob = fixture::put_blob(dir.path / "layout", bytes, "application/vnd.oci.image.layer.v1.tar");
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  ::close(fds[0]);
  {
    coldstart::cluster::detail::ScopedSigpipeBlock no_sigpipe;
    OciArchiveWriter tar(fds[1]);
    CHECK_THROWS_AS(tar.add_blob(dir.path / "layout/blobs/sha256" / fixture::hex(blob.digest), blob, true),
                    coldstart::cluster::detail::StreamClosed);
  }
  ::close(fds[1]);
}
