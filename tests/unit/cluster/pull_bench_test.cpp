#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>

#include "coldstart/cluster/bench_pull.hpp"
#include "coldstart/cluster/pull_bench.hpp"
#include "coldstart/core/error.hpp"

using namespace coldstart;
namespace fs = std::filesystem;

namespace {
const std::string kImage = std::string("oci:") + COLDSTART_SOURCE_DIR + "/examples/images/aigc:v5";
}

TEST_CASE("one measured pull of aigc:v5: every phase timed, bytes counted, temp dirs removed") {
  cluster::TempDir work("pull-bench-test-");
  cluster::PullBenchOptions options;
  options.work_dir = work.path();
  std::atomic<int> fetcher_calls{0};
  options.fetcher = [&](image::Source& source, const std::vector<image::Descriptor>& layers, const fs::path& dir, int jobs) {
    ++fetcher_calls;
    CHECK(fs::is_empty(dir));  // every sample starts from an empty blob directory
    return cluster::fetch_layers_with_source(source, layers, dir, jobs);
  };
  const auto sample = cluster::measure_pull(kImage, options);
  CHECK(fetcher_calls == 1);
  CHECK(sample.layers == 6);
  CHECK(sample.layer_fetch_seconds.size() == 6);
  CHECK(sample.compressed_bytes == 1116147);
  CHECK(sample.uncompressed_bytes > sample.compressed_bytes);
  CHECK(sample.unpack.files > 0);
  CHECK(sample.total_seconds >= sample.resolve_seconds + sample.config_seconds + sample.fetch_seconds + sample.unpack_seconds);
  CHECK(fs::is_empty(work.path()));

  options.unpack = false;
  const auto fetch_only = cluster::measure_pull(kImage, options);
  CHECK(fetch_only.unpack_seconds == 0);
  CHECK(fetch_only.uncompressed_bytes == 0);
  CHECK(fs::is_empty(work.path()));
}

TEST_CASE("a cache layout filled from an image is read back as the warm source") {
  cluster::TempDir work("pull-bench-test-");
  const fs::path cache = work.path() / "cache";
  CHECK_FALSE(cluster::layout_has_tag(cache, "v5"));
  cluster::fill_oci_layout(kImage, {}, cache, "v5");
  CHECK(cluster::layout_has_tag(cache, "v5"));
  cluster::PullBenchOptions options;
  options.work_dir = work.path();
  const auto warm = cluster::measure_pull("oci:" + cache.string() + ":v5", options);
  CHECK(warm.compressed_bytes == 1116147);
}

TEST_CASE("warm samples read the image's own tag from the cache") {
  CHECK(cluster::cache_tag("127.0.0.1:5000/aigc/sd:v5") == "v5");
  CHECK(cluster::cache_tag("docker://ubuntu") == "latest");
  CHECK(cluster::cache_tag("oci:examples/images/aigc:v5") == "bench");
  CHECK(cluster::cache_tag("r.example/x@sha256:0123456789012345678901234567890123456789012345678901234567890123") == "bench");
}

TEST_CASE("an unknown --vs peer is a usage error") {
  CHECK_THROWS_AS(cluster::make_peers({"docker"}, {}), UsageError);
}
