// Pipeline stages: each owns one thread and the queue it fills. Blocks come from a per-stage free
// list and go back to it once the consumer moves on, so a stage never holds more than its queue
// depth + 3 blocks and nothing is allocated in steady state.
#include "coldstart/image/block_pipe.hpp"

#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace coldstart::image {
namespace {

class Pool {
 public:
  explicit Pool(std::size_t block_size) : block_size_(block_size) {}
  std::unique_ptr<char[]> get() {
    {
      std::lock_guard lock(mutex_);
      if (!free_.empty()) {
        auto block = std::move(free_.back());
        free_.pop_back();
        return block;
      }
    }
    return std::unique_ptr<char[]>(new char[block_size_]);
  }
  void put(std::unique_ptr<char[]> block) {
    std::lock_guard lock(mutex_);
    free_.push_back(std::move(block));
  }
  std::size_t block_size() const { return block_size_; }

 private:
  std::size_t block_size_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<char[]>> free_;
};

struct Block {
  std::unique_ptr<char[]> data;
  std::size_t size = 0;
  std::shared_ptr<Pool> home;

  std::string_view view() const { return {data.get(), size}; }
  void recycle() {
    if (data && home) home->put(std::move(data));
    data.reset();
    size = 0;
  }
};

// Single producer, single consumer. The end (or an error) is queued behind the blocks before it.
class BlockQueue {
 public:
  explicit BlockQueue(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

  // False once the consumer cancelled: the producer should stop.
  bool push(Block block) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return cancelled_ || blocks_.size() < capacity_; });
    if (cancelled_) return false;
    blocks_.push_back(std::move(block));
    not_empty_.notify_one();
    return true;
  }
  void finish(std::exception_ptr error) {
    std::lock_guard lock(mutex_);
    ended_ = true;
    error_ = std::move(error);
    not_empty_.notify_one();
  }
  // nullopt at the end; rethrows the producer's error once the blocks before it are taken.
  std::optional<Block> pop() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return !blocks_.empty() || ended_; });
    if (!blocks_.empty()) {
      Block block = std::move(blocks_.front());
      blocks_.pop_front();
      not_full_.notify_one();
      return block;
    }
    if (error_) std::rethrow_exception(error_);
    return std::nullopt;
  }
  void cancel() {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    not_full_.notify_all();
  }

 private:
  std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable not_empty_, not_full_;
  std::deque<Block> blocks_;
  bool ended_ = false;
  bool cancelled_ = false;
  std::exception_ptr error_;
};

// A thread running `body` (which owns the stage's input) and the queue it fills.
class Stage : public BlockStream {
 public:
  using Body = std::function<void(BlockQueue&)>;
  Stage(std::size_t depth, Body body) : queue_(depth) {
    thread_ = std::thread([this, body = std::move(body)]() mutable {
      std::exception_ptr error;
      try {
        body(queue_);
      } catch (...) {
        error = std::current_exception();
      }
      body = nullptr;  // releases the input (and joins upstream stages) on this thread
      queue_.finish(std::move(error));
    });
  }
  ~Stage() override {
    queue_.cancel();
    thread_.join();
    current_.recycle();
  }

  std::string_view next_block() override {
    current_.recycle();
    auto block = queue_.pop();
    if (!block) return {};
    current_ = std::move(*block);
    return current_.view();
  }
  // For a downstream tap: the block itself, which the final consumer recycles.
  std::optional<Block> take() {
    current_.recycle();
    return queue_.pop();
  }

 private:
  BlockQueue queue_;
  Block current_;
  std::thread thread_;  // last: started once the queue exists
};

}  // namespace

std::size_t BlockStream::read(char* buffer, std::size_t size) {
  if (size == 0) return 0;
  if (rest_.empty()) rest_ = next_block();
  if (rest_.empty()) return 0;  // the end (an empty view may have no data pointer)
  std::size_t n = std::min(size, rest_.size());
  std::memcpy(buffer, rest_.data(), n);
  rest_.remove_prefix(n);
  return n;
}

std::unique_ptr<BlockStream> read_ahead(std::unique_ptr<ByteStream> inner, PipeShape shape) {
  auto pool = std::make_shared<Pool>(std::max<std::size_t>(shape.block_size, 1));
  std::shared_ptr<ByteStream> input(std::move(inner));
  return std::make_unique<Stage>(shape.depth, [input, pool](BlockQueue& queue) {
    for (;;) {
      Block block{pool->get(), 0, pool};
      bool ended = false;
      try {
        while (block.size < pool->block_size()) {
          std::size_t n = input->read(block.data.get() + block.size, pool->block_size() - block.size);
          if (n == 0) {
            ended = true;
            break;
          }
          block.size += n;
        }
      } catch (...) {
        // The bytes before the failure still go first, so the consumer fails where it would have.
        if (block.size > 0) queue.push(std::move(block));
        throw;
      }
      if (block.size > 0 && !queue.push(std::move(block))) return;
      if (ended) return;
    }
  });
}

std::unique_ptr<BlockStream> tap(std::unique_ptr<BlockStream> upstream, std::function<void(std::string_view)> on_block,
                                 std::size_t depth) {
  std::shared_ptr<BlockStream> input(std::move(upstream));
  return std::make_unique<Stage>(depth, [input, on_block = std::move(on_block)](BlockQueue& queue) {
    if (auto* stage = dynamic_cast<Stage*>(input.get())) {
      while (auto block = stage->take()) {
        on_block(block->view());
        if (!queue.push(std::move(*block))) return;
      }
      return;
    }
    std::shared_ptr<Pool> pool;  // any other BlockStream: copy its blocks
    for (auto view = input->next_block(); !view.empty(); view = input->next_block()) {
      on_block(view);
      if (!pool || pool->block_size() < view.size()) pool = std::make_shared<Pool>(view.size());
      Block block{pool->get(), view.size(), pool};
      std::memcpy(block.data.get(), view.data(), view.size());
      if (!queue.push(std::move(block))) return;
    }
  });
}

}  // namespace coldstart::image
