// Decompression for layer blobs: gzip through ISA-L's inflate (several times faster than zlib),
// zstd through libzstd's streaming API, plain tar passed through. Output goes straight into the
// caller's buffer; input buffers are bounded, so memory stays constant whatever the layer size.
#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <vector>

#include "coldstart/core/error.hpp"
#include "coldstart/image/block_pipe.hpp"
#include "coldstart/image/layer_stream.hpp"

namespace coldstart::image {
namespace {

constexpr std::size_t kInputBuffer = 256 * 1024;

std::atomic<double> g_max_inflate_ratio{kDefaultMaxInflateRatio};

// Counts the output against the input read so far; throws past the inflate ratio.
class InflateGuard {
 public:
  explicit InflateGuard(const std::string& what) : what_(what), ratio_(max_inflate_ratio()) {}
  void produced(std::size_t n, std::uint64_t compressed_in) {
    out_ += n;
    if (ratio_ <= 0 || out_ <= kInflateRatioFloorBytes) return;
    if (static_cast<double>(out_) > ratio_ * static_cast<double>(std::max<std::uint64_t>(compressed_in, 1)))
      throw Error(fmt::format("{}: inflates to more than {:g} times its size ({} bytes from {} compressed bytes so "
                              "far): a decompression bomb?",
                              what_, ratio_, out_, compressed_in),
                  "raise the limit with --max-inflate-ratio N if the layer is genuine, e.g. a huge file of zeros; "
                  "0: none");
  }

 private:
  const std::string& what_;
  double ratio_;
  std::uint64_t out_ = 0;
};

const char* isal_error(int code) {
  switch (code) {
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK: return "invalid back-reference distance";
    case ISAL_INVALID_WRAPPER: return "invalid gzip header";
    case ISAL_UNSUPPORTED_METHOD: return "unsupported gzip compression method";
    case ISAL_INCORRECT_CHECKSUM: return "CRC-32 or length check failed";
    default: return "decompression failed";
  }
}

class GzipStream : public ByteStream {
 public:
  GzipStream(std::unique_ptr<ByteStream> in, std::string what)
      : in_(std::move(in)), what_(std::move(what)), input_(kInputBuffer), state_(std::make_unique<inflate_state>()) {
    blocks_ = dynamic_cast<BlockStream*>(in_.get());
    start_member();
  }

  std::size_t read(char* buffer, std::size_t size) override {
    if (finished_ || size == 0) return 0;
    size = std::min<std::size_t>(size, std::numeric_limits<std::uint32_t>::max());
    for (;;) {
      if (state_->avail_in == 0) refill();
      state_->next_out = reinterpret_cast<std::uint8_t*>(buffer);
      state_->avail_out = static_cast<std::uint32_t>(size);
      int rc = isal_inflate(state_.get());
      if (rc < 0)
        throw Error(fmt::format("{}: corrupt gzip data in member {} after {} compressed bytes: {}", what_, members_ + 1,
                                consumed(), isal_error(rc)),
                    "the blob is damaged; pull it again");
      std::size_t produced = size - state_->avail_out;
      guard_.produced(produced, consumed());
      if (state_->block_state == ISAL_BLOCK_FINISH) {
        ++members_;
        if (!next_member()) {
          finished_ = true;
          return produced;
        }
      } else if (produced == 0 && state_->avail_in == 0 && input_ended_) {
        throw Error(fmt::format("{}: gzip stream is truncated after {} compressed bytes", what_, consumed()),
                    "the blob is incomplete; pull it again");
      }
      if (produced > 0) return produced;
    }
  }

 private:
  void start_member() {
    isal_inflate_init(state_.get());
    state_->crc_flag = ISAL_GZIP;
  }
  std::uint64_t consumed() const { return total_in_ - state_->avail_in; }

  // Reads more input, keeping the unconsumed bytes in front.
  void refill() {
    if (input_ended_) return;
    std::size_t keep = state_->avail_in;
    if (blocks_) {
      // Inflate straight from a pipeline block (valid until the next call); copy only to join
      // a few leftover bytes with the next block.
      if (keep > 0 && state_->next_in != input_.data()) std::memmove(input_.data(), state_->next_in, keep);
      auto block = blocks_->next_block();
      if (block.empty()) input_ended_ = true;
      total_in_ += block.size();
      if (keep == 0) {
        state_->next_in = reinterpret_cast<std::uint8_t*>(const_cast<char*>(block.data()));
        state_->avail_in = static_cast<std::uint32_t>(block.size());
        return;
      }
      if (input_.size() < keep + block.size()) input_.resize(keep + block.size());
      std::memcpy(input_.data() + keep, block.data(), block.size());
      state_->next_in = input_.data();
      state_->avail_in = static_cast<std::uint32_t>(keep + block.size());
      return;
    }
    if (keep > 0 && state_->next_in != input_.data()) std::memmove(input_.data(), state_->next_in, keep);
    std::size_t n = in_->read(reinterpret_cast<char*>(input_.data()) + keep, input_.size() - keep);
    if (n == 0) input_ended_ = true;
    total_in_ += n;
    state_->next_in = input_.data();
    state_->avail_in = static_cast<std::uint32_t>(keep + n);
  }

  // After a member: another member (1f 8b) follows, or the stream ends (zero padding allowed).
  bool next_member() {
    while (state_->avail_in < 2 && !input_ended_) refill();
    if (state_->avail_in == 0) return false;
    if (state_->avail_in >= 2 && state_->next_in[0] == 0x1f && state_->next_in[1] == 0x8b) {
      std::uint8_t* next = state_->next_in;
      std::uint32_t avail = state_->avail_in;
      start_member();
      state_->next_in = next;
      state_->avail_in = avail;
      return true;
    }
    // Trailing zeros (tape-style padding) are tolerated; anything else is not a gzip member.
    for (;;) {
      for (std::uint32_t i = 0; i < state_->avail_in; ++i)
        if (state_->next_in[i] != 0)
          throw Error(fmt::format("{}: unexpected bytes after gzip member {} at compressed offset {}", what_, members_,
                                  consumed() + i),
                      "the blob is damaged or not gzip");
      state_->avail_in = 0;
      if (input_ended_) return false;
      refill();
    }
  }

  std::unique_ptr<ByteStream> in_;
  BlockStream* blocks_ = nullptr;  // in_ when it hands out whole blocks
  std::string what_;
  InflateGuard guard_{what_};
  std::vector<std::uint8_t> input_;
  std::unique_ptr<inflate_state> state_;  // ~ 50 KB, so on the heap
  std::uint64_t total_in_ = 0;
  std::uint64_t members_ = 0;
  bool input_ended_ = false;
  bool finished_ = false;
};

class ZstdStream : public ByteStream {
 public:
  ZstdStream(std::unique_ptr<ByteStream> in, std::string what)
      : in_(std::move(in)), what_(std::move(what)), input_(ZSTD_DStreamInSize()), stream_(ZSTD_createDStream()) {
    if (!stream_) throw Error(what_ + ": cannot allocate a zstd decoder");
    ZSTD_initDStream(stream_);
  }
  ~ZstdStream() override { ZSTD_freeDStream(stream_); }

  std::size_t read(char* buffer, std::size_t size) override {
    if (finished_ || size == 0) return 0;
    for (;;) {
      if (in_buf_.pos == in_buf_.size && !input_ended_) {
        std::size_t n = in_->read(input_.data(), input_.size());
        if (n == 0) input_ended_ = true;
        total_in_ += n;
        in_buf_ = {input_.data(), n, 0};
      }
      ZSTD_outBuffer out{buffer, size, 0};
      std::size_t before = in_buf_.pos;
      std::size_t rc = ZSTD_decompressStream(stream_, &out, &in_buf_);
      if (ZSTD_isError(rc))
        throw Error(fmt::format("{}: corrupt zstd data after {} compressed bytes: {}", what_,
                                total_in_ - (in_buf_.size - before), ZSTD_getErrorName(rc)),
                    "the blob is damaged; pull it again");
      if (in_buf_.pos != before || out.pos > 0) frame_complete_ = rc == 0;
      guard_.produced(out.pos, total_in_ - (in_buf_.size - in_buf_.pos));
      if (out.pos > 0) return out.pos;
      if (in_buf_.pos == in_buf_.size && input_ended_) {
        if (!frame_complete_)
          throw Error(fmt::format("{}: zstd stream is truncated after {} compressed bytes", what_, total_in_),
                      "the blob is incomplete; pull it again");
        finished_ = true;
        return 0;
      }
    }
  }

 private:
  std::unique_ptr<ByteStream> in_;
  std::string what_;
  InflateGuard guard_{what_};
  std::vector<char> input_;
  ZSTD_DStream* stream_;
  ZSTD_inBuffer in_buf_{nullptr, 0, 0};
  std::uint64_t total_in_ = 0;
  bool input_ended_ = false;
  bool frame_complete_ = true;  // an empty input is zero frames, not a truncated one
  bool finished_ = false;
};

}  // namespace

void set_max_inflate_ratio(double ratio) { g_max_inflate_ratio = ratio; }
double max_inflate_ratio() { return g_max_inflate_ratio; }

std::string_view to_string(Compression compression) {
  switch (compression) {
    case Compression::gzip: return "gzip";
    case Compression::zstd: return "zstd";
    case Compression::none: break;
  }
  return "none";
}

std::optional<Compression> compression_from_media_type(std::string_view media_type) {
  auto ends_with = [&](std::string_view suffix) {
    return media_type.size() >= suffix.size() && media_type.substr(media_type.size() - suffix.size()) == suffix;
  };
  if (ends_with("+gzip") || ends_with(".gzip") || ends_with("tar.gz")) return Compression::gzip;
  if (ends_with("+zstd") || ends_with(".zstd")) return Compression::zstd;
  if (ends_with(".tar") || ends_with("+tar")) return Compression::none;
  return std::nullopt;
}

Compression compression_from_magic(std::string_view b) {
  if (b.size() >= 2 && static_cast<unsigned char>(b[0]) == 0x1f && static_cast<unsigned char>(b[1]) == 0x8b)
    return Compression::gzip;
  if (b.size() >= 4 && static_cast<unsigned char>(b[0]) == 0x28 && static_cast<unsigned char>(b[1]) == 0xb5 &&
      static_cast<unsigned char>(b[2]) == 0x2f && static_cast<unsigned char>(b[3]) == 0xfd)
    return Compression::zstd;
  return Compression::none;
}

std::unique_ptr<ByteStream> open_decompressed(std::unique_ptr<ByteStream> compressed, Compression compression,
                                              std::string what) {
  switch (compression) {
    case Compression::gzip: return std::make_unique<GzipStream>(std::move(compressed), std::move(what));
    case Compression::zstd: return std::make_unique<ZstdStream>(std::move(compressed), std::move(what));
    case Compression::none: break;
  }
  return compressed;
}

}  // namespace coldstart::image
