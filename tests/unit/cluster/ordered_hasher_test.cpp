#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "coldstart/cluster/ordered_hasher.hpp"
#include "coldstart/core/digest.hpp"
#include "coldstart/core/error.hpp"

using namespace coldstart;
using namespace coldstart::cluster;

namespace {

struct TempFile {
  std::string path;
  int fd;
  TempFile() {
    char name[] = "/tmp/coldstart-hasher-XXXXXX";
    fd = ::mkstemp(name);
    path = name;
  }
  ~TempFile() {
    ::close(fd);
    ::unlink(path.c_str());
  }
};

std::string content(std::size_t n) {
  std::string s(n, '\0');
  std::mt19937 rng(42);
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

void put(int fd, const std::string& data, std::size_t begin, std::size_t end) {
  REQUIRE(::pwrite(fd, data.data() + begin, end - begin, static_cast<off_t>(begin)) == static_cast<ssize_t>(end - begin));
}

}  // namespace

TEST_CASE("OrderedHasher: pieces written out of order hash like the whole") {
  TempFile f;
  std::string data = content(3 << 20);
  OrderedHasher h(f.fd, data.size(), "test blob");
  // Back to front: nothing is contiguous from 0 until the last write.
  std::vector<std::pair<std::size_t, std::size_t>> pieces = {{2 << 20, 3 << 20}, {1 << 20, 2 << 20}, {0, 1 << 20}};
  for (auto [b, e] : pieces) {
    put(f.fd, data, b, e);
    h.written(b, std::string_view(data).substr(b, e - b));
  }
  CHECK(h.hashed() == data.size());  // the last write at the frontier pulled the rest from the file
  CHECK(h.finish() == sha256_digest(data));
}

TEST_CASE("OrderedHasher: bytes present from an earlier run are hashed from the file") {
  TempFile f;
  std::string data = content(100000);
  put(f.fd, data, 0, 60000);
  OrderedHasher h(f.fd, data.size(), "test blob");
  h.add_present(0, 60000);
  put(f.fd, data, 60000, 100000);
  h.written(60000, std::string_view(data).substr(60000));
  CHECK(h.finish() == sha256_digest(data));
}

TEST_CASE("OrderedHasher: a missing piece is an error naming the blob") {
  TempFile f;
  std::string data = content(1000);
  OrderedHasher h(f.fd, data.size(), "blob sha256:abc");
  put(f.fd, data, 500, 1000);
  h.written(500, std::string_view(data).substr(500));
  CHECK(h.hashed() == 0);
  CHECK_THROWS_WITH_AS(h.finish(), doctest::Contains("blob sha256:abc is incomplete: 0 of 1000 bytes"), Error);
}

TEST_CASE("OrderedHasher: many threads writing interleaved chunks") {
  TempFile f;
  std::string data = content(8 << 20);
  OrderedHasher h(f.fd, data.size(), "test blob");
  const std::size_t piece = 64 << 10;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (std::size_t b = t * piece; b < data.size(); b += 4 * piece) {
        put(f.fd, data, b, b + piece);
        h.written(b, std::string_view(data).substr(b, piece));
      }
    });
  for (auto& t : threads) t.join();
  CHECK(h.finish() == sha256_digest(data));
}

TEST_CASE("OrderedHasher: reset starts over") {
  TempFile f;
  std::string data = content(5000);
  put(f.fd, data, 0, 5000);
  OrderedHasher h(f.fd, data.size(), "test blob");
  h.written(0, std::string_view(data).substr(0, 100));
  h.reset();
  CHECK(h.hashed() == 0);
  h.add_present(0, 5000);
  CHECK(h.finish() == sha256_digest(data));
}
