// Stages of a layer pipeline on their own threads, joined by bounded queues of large blocks, so
// reading + hashing compressed bytes, inflating, and hashing uncompressed bytes of ONE layer run on
// different cores. Memory is a few blocks per stage whatever the layer size. An error thrown in a
// stage travels down the queues behind the blocks before it and is rethrown, unchanged, by the
// consumer's read; destroying a consumer cancels its stage (no thread is left blocked).
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>

#include "coldstart/image/source.hpp"

namespace coldstart::image {

// The consumer end of a stage: a ByteStream that also hands out whole blocks without copying.
class BlockStream : public ByteStream {
 public:
  // The next block's bytes, valid until the next call on this stream; empty at the end.
  // Rethrows a stage's error at the point where it happened in the byte sequence.
  virtual std::string_view next_block() = 0;
  // Copies from the blocks (for consumers that want their own buffer, e.g. a decompressor).
  std::size_t read(char* buffer, std::size_t size) override;

 private:
  std::string_view rest_;
};

struct PipeShape {
  std::size_t block_size = 256 * 1024;
  std::size_t depth = 8;  // blocks queued between two stages
};

// Runs `inner`'s reads on a new thread, filling whole blocks ahead of the consumer.
std::unique_ptr<BlockStream> read_ahead(std::unique_ptr<ByteStream> inner, PipeShape shape = {});

// Runs `on_block` over every block of `upstream` on a new thread, passing the blocks on unchanged
// (e.g. a hash of the bytes). `on_block` returns before the consumer sees the block, and has seen
// every byte once the consumer sees the end.
std::unique_ptr<BlockStream> tap(std::unique_ptr<BlockStream> upstream,
                                 std::function<void(std::string_view)> on_block, std::size_t depth = 8);

}  // namespace coldstart::image
