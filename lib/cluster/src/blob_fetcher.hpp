// Internal: the parallel engine behind pull_image. A queue of chunk tasks over `jobs` worker
// threads (each with its own HTTP connection): registry blobs are split into Range chunks written
// with pwrite into the blob's partial file and hashed in order as the contiguous prefix grows;
// other sources stream each blob whole. A blob is renamed into the store when its digest verifies.
#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "coldstart/cluster/blob_store.hpp"
#include "coldstart/cluster/ordered_hasher.hpp"
#include "coldstart/cluster/pull.hpp"
#include "coldstart/image/registry_client.hpp"
#include "coldstart/image/source.hpp"

namespace coldstart::cluster::detail {

struct FetchItem {
  image::Descriptor descriptor;
  std::string role;
  std::string layer_class;
};

// Where blob bytes come from: a registry (Range requests possible) or any Source (streams).
struct BlobOrigins {
  image::RegistryClient* registry = nullptr;
  std::string repository;
  image::Source* source = nullptr;
};

class BlobFetcher {
 public:
  BlobFetcher(BlobStore& store, BlobOrigins origins, int jobs, std::uint64_t chunk_size, const PullObserver& observer);
  // Fetches every item not yet in the store; returns one result per item, in item order.
  std::vector<BlobResult> fetch(const std::vector<FetchItem>& items);
  bool used_ranges() const { return used_ranges_; }

 private:
  struct Job;
  struct Task {
    Job* job;
    ByteRange range;
    bool whole;  // one stream of the whole blob from byte 0
  };
  class Writer;

  void run(const std::vector<Job*>& jobs);
  void prepare(Job& job);  // plans its tasks; finishes it at once when nothing is missing
  void worker();
  void run_task(const Task& task);
  void task_done(Job& job);
  void finish(Job& job);
  void fail(std::exception_ptr error);
  bool failed() const { return failed_.load(); }

  BlobStore& store_;
  BlobOrigins origins_;
  int jobs_;
  std::uint64_t chunk_size_;
  const PullObserver& observer_;
  std::atomic<bool> ranges_ok_{true};  // turns false when the registry answers a Range with 200
  std::atomic<bool> used_ranges_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Task> queue_;
  int open_jobs_ = 0;
  std::atomic<bool> failed_{false};
  std::exception_ptr error_;
  std::mutex source_mutex_;  // Source::open_blob of local transports: one blob at a time
};

}  // namespace coldstart::cluster::detail
