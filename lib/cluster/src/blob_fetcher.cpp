#include "blob_fetcher.hpp"

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "coldstart/core/digest.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/log.hpp"

namespace coldstart::cluster::detail {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kFlushBytes = 1 << 20;  // pwrite, record and hash in pieces of this size

// Thrown inside a transfer to abandon it: another task owns the blob, or the pull failed.
struct Cancelled {};

}  // namespace

struct BlobFetcher::Job {
  FetchItem item;
  std::unique_ptr<BlobStore::Ingest> ingest;
  std::unique_ptr<OrderedHasher> hasher;
  std::atomic<int> remaining{0};
  std::atomic<bool> whole{false};  // a whole-blob stream owns the blob
  std::atomic<std::uint64_t> fetched{0};
  std::uint64_t resumed = 0;
  bool retried = false;
  std::once_flag started;
  Clock::time_point start = Clock::now();
  BlobResult result;
};

// Buffers a transfer's bytes and lands them at their offset: pwrite, range record, in-order hash.
class BlobFetcher::Writer {
 public:
  Writer(BlobFetcher& fetcher, Job& job, std::uint64_t offset) : fetcher_(fetcher), job_(job), offset_(offset) {
    buffer_.reserve(kFlushBytes);
  }
  void restart_at(std::uint64_t offset) {
    buffer_.clear();
    offset_ = offset;
  }
  void add(std::string_view data) {
    if (fetcher_.failed()) throw Cancelled{};
    auto size = static_cast<std::uint64_t>(job_.item.descriptor.size);
    if (offset_ + buffer_.size() + data.size() > size)
      throw Error(fmt::format("blob {} is larger than its descriptor's {} bytes", job_.item.descriptor.digest, size),
                  "the source sent a different blob; it was not stored");
    while (!data.empty()) {
      std::size_t n = std::min(data.size(), kFlushBytes - buffer_.size());
      buffer_.append(data.substr(0, n));
      data.remove_prefix(n);
      if (buffer_.size() == kFlushBytes) flush();
    }
  }
  void flush() {
    if (buffer_.empty()) return;
    job_.ingest->write_at(offset_, buffer_);
    job_.ingest->record(offset_, offset_ + buffer_.size());
    job_.hasher->written(offset_, buffer_);
    job_.fetched += buffer_.size();
    if (fetcher_.observer_.on_bytes) fetcher_.observer_.on_bytes(buffer_.size());
    offset_ += buffer_.size();
    buffer_.clear();
  }

 private:
  BlobFetcher& fetcher_;
  Job& job_;
  std::uint64_t offset_;
  std::string buffer_;
};

BlobFetcher::BlobFetcher(BlobStore& store, BlobOrigins origins, int jobs, std::uint64_t chunk_size,
                         const PullObserver& observer)
    : store_(store), origins_(origins), jobs_(std::max(1, jobs)), chunk_size_(std::max<std::uint64_t>(chunk_size, 1)),
      observer_(observer) {}

std::vector<BlobResult> BlobFetcher::fetch(const std::vector<FetchItem>& items) {
  std::vector<std::unique_ptr<Job>> all;
  std::vector<Job*> now, later;
  for (const auto& item : items) {
    auto job = std::make_unique<Job>();
    job->item = item;
    job->ingest = store_.open_ingest(item.descriptor, false);
    if (job->ingest) now.push_back(job.get());
    else later.push_back(job.get());  // another process is writing it: wait for it afterwards
    all.push_back(std::move(job));
  }
  run(now);
  for (auto& j : later) {
    log::debug("blob {} is being written by another process; waiting for it", j->item.descriptor.digest);
    j->ingest = store_.open_ingest(j->item.descriptor, true);
  }
  run(later);
  std::vector<BlobResult> results;
  for (auto& job : all) results.push_back(job->result);
  return results;
}

void BlobFetcher::prepare(Job& job) {
  const auto& d = job.item.descriptor;
  job.result.digest = d.digest;
  job.result.role = job.item.role;
  job.result.media_type = d.media_type;
  job.result.layer_class = job.item.layer_class;
  job.result.size = d.size;
  if (job.ingest->already_present()) {  // another process stored it while we waited for its lock
    job.result.origin = BlobOrigin::cached;
    job.ingest.reset();
    if (observer_.on_blob_done) observer_.on_blob_done(job.result);
    return;
  }
  auto size = static_cast<std::uint64_t>(d.size);
  if (!job.ingest->resumed().ranges().empty() && (!origins_.registry || !ranges_ok_))
    job.ingest->reset();  // a whole stream starts at byte 0 anyway
  job.hasher = std::make_unique<OrderedHasher>(job.ingest->fd(), size, "blob " + d.digest);
  for (const auto& r : job.ingest->resumed().ranges()) job.hasher->add_present(r.begin, r.end);
  job.resumed = job.ingest->resumed().covered();
  if (job.resumed && observer_.on_bytes) observer_.on_bytes(job.resumed);
  std::vector<Task> tasks;
  if (origins_.registry) {
    auto missing = job.ingest->resumed().missing(size);
    if (ranges_ok_) {
      for (const auto& r : plan_chunks(missing, size, jobs_, chunk_size_)) tasks.push_back({&job, r, false});
    } else if (!missing.empty()) {
      tasks.push_back({&job, {0, size}, true});
    }
  } else if (job.resumed < size) {
    tasks.push_back({&job, {0, size}, true});
  }
  {
    std::lock_guard lock(mutex_);
    ++open_jobs_;
    job.remaining = static_cast<int>(tasks.size());
    for (const auto& t : tasks) queue_.push_back(t);
  }
  if (tasks.empty()) finish(job);
}

void BlobFetcher::run(const std::vector<Job*>& jobs) {
  if (jobs.empty()) return;
  for (auto& job : jobs) prepare(*job);
  std::vector<std::thread> threads;
  int n;
  {
    std::lock_guard lock(mutex_);
    n = std::min<int>(jobs_, static_cast<int>(queue_.size()));
  }
  for (int i = 0; i < n; ++i) threads.emplace_back([this] { worker(); });
  for (auto& t : threads) t.join();
  // Close what failed: their partials stay in ingest/ for the next run.
  for (auto& job : jobs) job->ingest.reset();
  if (error_) std::rethrow_exception(error_);
}

void BlobFetcher::worker() {
  for (;;) {
    Task task;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return !queue_.empty() || open_jobs_ == 0 || failed_; });
      if (failed_ || queue_.empty()) return;
      task = queue_.front();
      queue_.pop_front();
    }
    try {
      run_task(task);
      task_done(*task.job);
    } catch (const Cancelled&) {
      if (failed()) return;
      task_done(*task.job);  // the blob is streamed whole by another task
    } catch (...) {
      fail(std::current_exception());
      return;
    }
  }
}

void BlobFetcher::run_task(const Task& task) {
  Job& job = *task.job;
  const auto& d = job.item.descriptor;
  auto started = [&] {
    std::call_once(job.started, [&] {
      job.start = Clock::now();
      if (observer_.on_blob_start) observer_.on_blob_start(d.digest, job.item.role);
    });
  };
  if (!origins_.registry) {
    // Other transports stream the blob (their stream verifies it too); one at a time.
    std::lock_guard lock(source_mutex_);
    started();
    Writer writer(*this, job, 0);
    auto stream = origins_.source->open_blob(d);
    std::string buffer(kFlushBytes, '\0');
    while (std::size_t n = stream->read(buffer.data(), buffer.size())) writer.add({buffer.data(), n});
    writer.flush();
    return;
  }
  started();
  bool whole = task.whole;
  if (!whole && !ranges_ok_) {
    // The registry ignores Range: the first task of this blob streams it whole, the others stop.
    bool expected = false;
    if (!job.whole.compare_exchange_strong(expected, true)) throw Cancelled{};
    whole = true;
  }
  if (whole) {
    job.whole = true;
    Writer writer(*this, job, 0);
    origins_.registry->fetch_blob(origins_.repository, d.digest, [&](std::string_view data) { writer.add(data); });
    writer.flush();
    return;
  }
  if (job.whole) throw Cancelled{};
  Writer writer(*this, job, task.range.begin);
  bool owner = false;  // this task streams the whole blob
  auto on_start = [&](bool partial) {
    if (partial) {
      used_ranges_ = true;
      return;
    }
    // 200 with the whole blob: this task takes the whole stream, unless another already has.
    ranges_ok_ = false;
    bool expected = false;
    if (!job.whole.compare_exchange_strong(expected, true)) throw Cancelled{};
    log::debug("registry ignores Range requests; streaming blob {} whole", d.digest);
    owner = true;
    writer.restart_at(0);
  };
  origins_.registry->fetch_blob_range(origins_.repository, d.digest, task.range.begin, task.range.end - 1,
                                      [&](std::string_view data) {
                                        if (job.whole && !owner) throw Cancelled{};
                                        writer.add(data);
                                      },
                                      on_start);
  writer.flush();
}

void BlobFetcher::task_done(Job& job) {
  if (--job.remaining == 0) finish(job);
}

void BlobFetcher::finish(Job& job) {
  const auto& d = job.item.descriptor;
  std::string computed = job.hasher->finish();
  if (computed != d.digest && job.resumed > 0 && !job.retried) {
    // Resumed bytes may predate a crash that lost data: start this blob over once.
    log::warn("blob {} did not verify with the bytes resumed from an earlier run; fetching it again", d.digest);
    job.retried = true;
    job.resumed = 0;
    job.whole = false;
    job.ingest->reset();
    job.hasher->reset();
    auto size = static_cast<std::uint64_t>(d.size);
    std::vector<Task> tasks;
    if (origins_.registry && ranges_ok_) {
      for (const auto& r : plan_chunks({{0, size}}, size, jobs_, chunk_size_)) tasks.push_back({&job, r, false});
    } else {
      tasks.push_back({&job, {0, size}, true});
    }
    std::lock_guard lock(mutex_);
    job.remaining = static_cast<int>(tasks.size());
    for (const auto& t : tasks) queue_.push_back(t);
    cv_.notify_all();
    return;
  }
  job.ingest->commit(computed, job.hasher->hashed());
  job.result.bytes_fetched = job.fetched;
  job.result.bytes_resumed = job.resumed;
  job.result.origin = job.resumed > 0 ? BlobOrigin::resumed : BlobOrigin::fetched;
  job.result.seconds = std::chrono::duration<double>(Clock::now() - job.start).count();
  if (observer_.on_blob_done) observer_.on_blob_done(job.result);
  std::lock_guard lock(mutex_);
  job.ingest.reset();  // releases the blob's lock
  --open_jobs_;
  cv_.notify_all();
}

void BlobFetcher::fail(std::exception_ptr error) {
  std::lock_guard lock(mutex_);
  if (!error_) error_ = error;
  failed_ = true;
  cv_.notify_all();
}

}  // namespace coldstart::cluster::detail
