#include <doctest/doctest.h>

#include <atomic>
#include <cstring>
#include <string>

#include "coldstart/core/digest.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/image/block_pipe.hpp"
#include "coldstart/image/layer_stream.hpp"
#include "layer_fixture.hpp"

using namespace coldstart::image;
namespace lf = layer_fixture;

namespace {

std::string bytes_of(std::size_t size) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>(i * 131 + i / 977);
  return s;
}

std::string drain(BlockStream& stream) {
  std::string out;
  for (auto block = stream.next_block(); !block.empty(); block = stream.next_block()) out.append(block);
  return out;
}

// Serves `good` bytes, then throws (or never ends when `endless`).
class ScriptedBlob : public ByteStream {
 public:
  ScriptedBlob(std::string good, bool endless = false) : good_(std::move(good)), endless_(endless) {}
  std::size_t read(char* buffer, std::size_t size) override {
    if (offset_ < good_.size()) {
      std::size_t n = std::min({size, good_.size() - offset_, std::size_t{1000}});
      std::memcpy(buffer, good_.data() + offset_, n);
      offset_ += n;
      return n;
    }
    if (endless_) {
      ++reads_after_end;
      std::memset(buffer, 'x', size);
      return size;
    }
    throw coldstart::Error("blob sha256:abc: digest mismatch");
  }
  std::atomic<int> reads_after_end{0};

 private:
  std::string good_;
  std::size_t offset_ = 0;
  bool endless_;
};

}  // namespace

TEST_CASE("a read-ahead stage and a tap pass every byte in order, in blocks of the chosen size") {
  auto data = bytes_of(100'003);
  for (std::size_t block : {1, 7, 4096, 1 << 20}) {
    CAPTURE(block);
    auto stream = read_ahead(lf::stream(data, 333), {block, 2});
    std::string seen;
    std::size_t largest = 0;
    auto tapped = tap(std::move(stream), [&](std::string_view b) {
      largest = std::max(largest, b.size());
      seen.append(b);
    });
    CHECK(drain(*tapped) == data);
    CHECK(largest == std::min(block, data.size()));
    CHECK(seen == data);  // the tap saw everything before the consumer saw the end
  }
}

TEST_CASE("a stage's error arrives after the bytes before it, unchanged, and read() copies across blocks") {
  auto data = bytes_of(10'000);
  auto stream = tap(read_ahead(std::make_unique<ScriptedBlob>(data), {4096, 2}), [](std::string_view) {});
  std::string got;
  char buffer[1500];
  try {
    for (std::size_t n; (n = stream->read(buffer, sizeof buffer)) > 0;) got.append(buffer, n);
    FAIL("expected the source's error");
  } catch (const coldstart::Error& e) {
    CHECK(std::string(e.what()) == "blob sha256:abc: digest mismatch");
  }
  CHECK(got == data);
}

TEST_CASE("dropping the consumer early stops an endless producer (no hang, no leak)") {
  auto source = std::make_unique<ScriptedBlob>(bytes_of(5000), true);
  {
    auto stream = tap(read_ahead(std::move(source), {1024, 2}), [](std::string_view) {});
    CHECK(stream->next_block().size() == 1024);
  }  // returns only once both threads have stopped and the source is destroyed
  CHECK(true);
}

TEST_CASE("inflating straight from pipeline blocks joins members split across blocks of any size") {
  auto data = bytes_of(70'000);
  auto gz = lf::gzip(data.substr(0, 1000)) + lf::gzip(data.substr(1000, 33'333)) + lf::gzip(data.substr(34'333)) +
            std::string(100, '\0');
  for (std::size_t block : {1, 2, 3, 10, 4096, 1 << 20}) {
    CAPTURE(block);
    auto inflated = read_ahead(open_decompressed(read_ahead(lf::stream(gz), {block, 2}), Compression::gzip, "layer"));
    CHECK(drain(*inflated) == data);
  }
  auto cut = lf::gzip(data.substr(0, 1000)).size() + lf::gzip(data.substr(1000, 33'333)).size() / 2;  // mid member 2
  auto truncated = read_ahead(open_decompressed(read_ahead(lf::stream(gz.substr(0, cut)), {7, 2}),
                                                Compression::gzip, "layer x"));
  CHECK_THROWS_WITH_AS(drain(*truncated), doctest::Contains("layer x: gzip stream is truncated"), coldstart::Error);
}
