#include <doctest/doctest.h>

#include "coldstart/core/digest.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/image/layer_stream.hpp"
#include "layer_fixture.hpp"

using namespace coldstart::image;
namespace lf = layer_fixture;

namespace {

struct Listing {
  std::vector<TarEntry> entries;
  std::string diff_id;
  Compression compression = Compression::none;
  std::uint64_t compressed = 0, uncompressed = 0;
};

Listing list(std::string blob, std::string media_type = "", std::size_t chunk = 4096, bool pipelined = true) {
  LayerStream layer(lf::stream(std::move(blob), chunk), media_type, "layer sha256:test", pipelined);
  Listing out;
  TarEntry e;
  while (layer.next(e)) out.entries.push_back(e);
  out.diff_id = layer.diff_id();
  out.compression = layer.compression();
  out.compressed = layer.compressed_bytes();
  out.uncompressed = layer.uncompressed_bytes();
  return out;
}

std::string error_of(std::string blob, std::string media_type = "", bool pipelined = true) {
  try {
    list(std::move(blob), media_type, 4096, pipelined);
  } catch (const coldstart::Error& e) {
    return e.what();
  }
  return "no error";
}

const std::vector<lf::Entry> kSample = {
    lf::dir("usr/"),
    lf::file("usr/hello.txt", "hello world\n"),
    lf::symlink("usr/link", "hello.txt"),
    lf::hardlink("usr/hard", "usr/hello.txt"),
    lf::big_file("usr/zeros.bin", 300 * 1024),
};

std::string pseudo_random(std::size_t size) {
  std::string s(size, '\0');
  std::uint64_t x = 88172645463325252ull;
  for (auto& c : s) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    c = static_cast<char>(x);
  }
  return s;
}

}  // namespace

TEST_CASE("compression is detected from the media type and from magic bytes") {
  CHECK(compression_from_media_type("application/vnd.oci.image.layer.v1.tar+gzip") == Compression::gzip);
  CHECK(compression_from_media_type("application/vnd.docker.image.rootfs.diff.tar.gzip") == Compression::gzip);
  CHECK(compression_from_media_type("application/vnd.oci.image.layer.v1.tar+zstd") == Compression::zstd);
  CHECK(compression_from_media_type("application/vnd.oci.image.layer.v1.tar") == Compression::none);
  CHECK_FALSE(compression_from_media_type("application/octet-stream").has_value());
  CHECK(compression_from_magic(std::string("\x1f\x8b\x08\x00", 4)) == Compression::gzip);
  CHECK(compression_from_magic(std::string("\x28\xb5\x2f\xfd", 4)) == Compression::zstd);
  CHECK(compression_from_magic("usr/") == Compression::none);
  CHECK(compression_from_magic("") == Compression::none);
}

TEST_CASE("plain, gzip and zstd layers list the same entries and the same diff_id") {
  auto tar = lf::make_tar(kSample);
  auto expected = coldstart::sha256_digest(tar);
  for (bool pipelined : {false, true})
  for (auto [blob, compression] : {std::pair{tar, Compression::none}, std::pair{lf::gzip(tar), Compression::gzip},
                                   std::pair{lf::zstd(tar), Compression::zstd}}) {
    CAPTURE(to_string(compression));
    CAPTURE(pipelined);
    auto l = list(blob, "", 4096, pipelined);
    CHECK(l.compression == compression);
    CHECK(l.diff_id == expected);
    CHECK(l.uncompressed == tar.size());
    CHECK(l.compressed == blob.size());
    REQUIRE(l.entries.size() == 5);
    CHECK(l.entries[0].path == "usr/");
    CHECK(l.entries[0].type == TarEntry::Type::directory);
    CHECK(l.entries[1].type == TarEntry::Type::file);
    CHECK(l.entries[1].size == 12);
    CHECK(l.entries[2].type == TarEntry::Type::symlink);
    CHECK(l.entries[2].link_target == "hello.txt");
    CHECK(l.entries[3].type == TarEntry::Type::hardlink);
    CHECK(l.entries[3].link_target == "usr/hello.txt");
    CHECK(l.entries[4].size == 300 * 1024);
  }
}

TEST_CASE("the bytes decide when the media type is wrong") {
  auto tar = lf::make_tar(kSample);
  auto l = list(tar, "application/vnd.oci.image.layer.v1.tar+gzip");
  CHECK(l.compression == Compression::none);
  CHECK(l.entries.size() == 5);
}

TEST_CASE("multi-member gzip and multi-frame zstd are read to the end") {
  auto tar = lf::make_tar(kSample);
  // Split inside the zero file's data so the boundary falls mid-entry.
  std::size_t cut = tar.size() / 2 + 123;
  auto first = tar.substr(0, cut), second = tar.substr(cut);
  auto expected = coldstart::sha256_digest(tar);
  auto g = list(lf::gzip(first) + lf::gzip(second));
  CHECK(g.diff_id == expected);
  CHECK(g.entries.size() == 5);
  auto three = list(lf::gzip(tar.substr(0, 100)) + lf::gzip(tar.substr(100, 1000)) + lf::gzip(tar.substr(1100)));
  CHECK(three.diff_id == expected);
  auto z = list(lf::zstd(first) + lf::zstd(second));
  CHECK(z.diff_id == expected);
  CHECK(z.entries.size() == 5);
  // Zero padding after the last gzip member is tolerated (as gzip -d does).
  auto padded = list(lf::gzip(tar) + std::string(512, '\0'));
  CHECK(padded.diff_id == expected);
}

TEST_CASE("reading one byte at a time from the blob gives the same result") {
  auto tar = lf::make_tar(kSample);
  auto l = list(lf::gzip(tar), "", 1);
  CHECK(l.diff_id == coldstart::sha256_digest(tar));
  CHECK(l.entries.size() == 5);
}

TEST_CASE("entry contents can be read while streaming, the rest is skipped") {
  auto tar = lf::make_tar({lf::file("a.txt", "alpha"), lf::file("b.txt", "bravo-bravo"), lf::file("c.txt", "c")});
  LayerStream layer(lf::stream(lf::gzip(tar)), "", "layer");
  TarEntry e;
  REQUIRE(layer.next(e));
  REQUIRE(layer.next(e));
  CHECK(e.path == "b.txt");
  char buffer[4];
  std::string content;
  for (std::size_t n; (n = layer.content().read(buffer, sizeof buffer)) > 0;) content.append(buffer, n);
  CHECK(content == "bravo-bravo");
  REQUIRE(layer.next(e));
  CHECK(e.path == "c.txt");
  CHECK_FALSE(layer.next(e));
  CHECK(layer.diff_id() == coldstart::sha256_digest(tar));
}

TEST_CASE("long names survive pax and GNU tar formats, and ./ prefixes are dropped") {
  std::string deep = "./opt/" + std::string(150, 'd') + "/" + std::string(120, 'f') + ".py";
  for (int format : {ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FORMAT_TAR_GNUTAR}) {
    auto tar = lf::make_tar({lf::file(deep, "x"), lf::symlink("./opt/l", std::string(200, 't'))}, format);
    auto l = list(lf::gzip(tar));
    REQUIRE(l.entries.size() == 2);
    CHECK(l.entries[0].path == deep.substr(2));
    CHECK(l.entries[1].link_target == std::string(200, 't'));
  }
}

TEST_CASE("an empty tar (end-of-archive blocks only) is a valid empty layer") {
  auto tar = lf::make_tar({});
  auto l = list(lf::gzip(tar));
  CHECK(l.entries.empty());
  CHECK(l.diff_id == coldstart::sha256_digest(tar));
}

TEST_CASE("truncated and corrupt streams give one clear error naming the layer") {
  // Incompressible content so that a cut lands inside the deflate / zstd data.
  auto tar = lf::make_tar({lf::file("data.bin", pseudo_random(200 * 1024)), lf::file("after.txt", "x")});
  auto gz = lf::gzip(tar), zs = lf::zstd(tar);

  auto truncated_gzip = error_of(gz.substr(0, gz.size() / 2));
  CHECK(truncated_gzip.find("layer sha256:test") != std::string::npos);
  CHECK(truncated_gzip.find("gzip stream is truncated") != std::string::npos);
  // Cut inside the 8-byte trailer: the CRC / length cannot be checked.
  CHECK(error_of(gz.substr(0, gz.size() - 3)).find("truncated") != std::string::npos);

  auto corrupt = gz;
  for (std::size_t i = 0; i < 64; ++i) corrupt[gz.size() / 2 + i] ^= 0x5a;
  auto corrupt_gzip = error_of(corrupt);
  CHECK(corrupt_gzip.find("corrupt gzip") != std::string::npos);

  auto bad_crc = gz;
  bad_crc[bad_crc.size() - 6] ^= 0x01;  // inside the CRC-32 of the trailer
  CHECK(error_of(bad_crc).find("CRC-32") != std::string::npos);

  CHECK(error_of(gz + "garbage!").find("unexpected bytes after gzip member") != std::string::npos);

  auto truncated_zstd = error_of(zs.substr(0, zs.size() / 2));
  CHECK(truncated_zstd.find("zstd stream is truncated") != std::string::npos);
  auto corrupt_z = zs;
  for (std::size_t i = 0; i < 64; ++i) corrupt_z[zs.size() / 2 + i] ^= 0x5a;
  CHECK_MESSAGE(error_of(corrupt_z).find("corrupt zstd") != std::string::npos, error_of(corrupt_z));

  auto truncated_tar = error_of(tar.substr(0, 100 * 1024));
  CHECK(truncated_tar.find("corrupt tar") != std::string::npos);
  CHECK(truncated_tar.find("layer sha256:test") != std::string::npos);
  // A truncated tar inside a perfectly valid gzip stream.
  CHECK(error_of(lf::gzip(tar.substr(0, 100 * 1024))).find("corrupt tar") != std::string::npos);

  auto header_damaged = tar;
  for (std::size_t i = 148; i < 156; ++i) header_damaged[i] = 'z';  // the header checksum field
  CHECK_MESSAGE(error_of(header_damaged).find("corrupt tar") != std::string::npos, error_of(header_damaged));

  CHECK_MESSAGE(error_of(pseudo_random(4096)).find("corrupt tar") != std::string::npos, error_of(pseudo_random(4096)));
  CHECK(error_of(std::string("\x1f\x8b", 2)).find("truncated") != std::string::npos);
  CHECK(error_of(std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", 48))
            .find("gzip") != std::string::npos);
}

TEST_CASE("a failing blob stream (digest mismatch) surfaces as its own error") {
  class Failing : public ByteStream {
   public:
    std::size_t read(char*, std::size_t) override { throw coldstart::Error("blob sha256:abc: digest mismatch"); }
  };
  try {
    LayerStream layer(std::make_unique<Failing>(), "", "layer");
    TarEntry e;
    layer.next(e);
    FAIL("expected an error");
  } catch (const coldstart::Error& e) {
    CHECK(std::string(e.what()).find("digest mismatch") != std::string::npos);
  }
}

TEST_CASE("a corrupt or truncated gzip in the middle of a many-block layer fails the same way pipelined") {
  // 6 MiB of incompressible data: many pipeline blocks in every stage, so the damage sits mid-pipeline
  // while the stages before and after it are busy.
  auto tar = lf::make_tar({lf::file("model.safetensors", pseudo_random(6 << 20)), lf::file("after.txt", "x")});
  auto gz = lf::gzip(tar);
  auto corrupt = gz;
  for (std::size_t i = 0; i < 64; ++i) corrupt[gz.size() / 2 + i] ^= 0x5a;
  auto truncated = gz.substr(0, gz.size() / 2);
  for (const auto& blob : {corrupt, truncated}) {
    auto one_thread = error_of(blob, "", false);
    auto pipelined = error_of(blob, "", true);
    CHECK(one_thread.find("layer sha256:test") != std::string::npos);
    CHECK(one_thread.find("gzip") != std::string::npos);
    CHECK(pipelined == one_thread);  // same one line, and the call returned: no stage hangs
  }
  CHECK(error_of(truncated).find("gzip stream is truncated after") != std::string::npos);
  CHECK(error_of(corrupt).find("corrupt gzip data") != std::string::npos);
  // And the intact blob still lists with the right diff_id.
  auto ok = list(gz);
  CHECK(ok.diff_id == coldstart::sha256_digest(tar));
  CHECK(ok.entries.size() == 2);
}

TEST_CASE("a layer abandoned half-way stops its pipeline") {
  auto tar = lf::make_tar({lf::file("a.bin", pseudo_random(3 << 20)), lf::file("b.bin", pseudo_random(3 << 20))});
  {
    LayerStream layer(lf::stream(lf::gzip(tar)), "", "layer", true);
    TarEntry e;
    REQUIRE(layer.next(e));
    CHECK(e.path == "a.bin");
  }  // the destructor returns: every stage was cancelled and joined
  CHECK(true);
}
