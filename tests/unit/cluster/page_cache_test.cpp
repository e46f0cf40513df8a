#include <doctest/doctest.h>

#include "coldstart/cluster/page_cache.hpp"
#include "coldstart/cluster/page_cache_warmer.hpp"
#include "coldstart/cluster/prewarm_files.hpp"
#include "coldstart/core/error.hpp"
#include "temp_dir.hpp"

using namespace coldstart;
using namespace coldstart::cluster;

TEST_CASE("parse_mem_available reads the MemAvailable line in bytes") {
  CHECK(parse_mem_available("MemTotal:       24684096 kB\nMemFree:  17547764 kB\nMemAvailable:   21221904 kB\n") ==
        21221904ull * 1024);
  CHECK(parse_mem_available("MemTotal: 1 kB\n") == 0);
  CHECK(mem_available_bytes() > 0);  // this machine's /proc/meminfo
}

TEST_CASE("fit_to_budget: whole files in order, then a page-aligned head, then nothing") {
  std::vector<FileEntry> files{{"a", 10000}, {"b", 20000}, {"c", 5000}};
  auto all = fit_to_budget(files, 0, 4096);
  CHECK(all[0].warm_bytes == 10000);
  CHECK(all[1].warm_bytes == 20000);
  CHECK(all[2].warm_bytes == 5000);

  auto some = fit_to_budget(files, 20000, 4096);
  CHECK(some[0].warm_bytes == 10000);
  CHECK(some[1].warm_bytes == 8192);  // 10000 left, rounded down to whole pages
  CHECK(some[2].warm_bytes == 0);     // order matters: the first files are warmed first
}

TEST_CASE("warm_files reads every byte with several readers, and residency says so") {
  test::TempDir dir;
  auto a = dir.write("a.bin", 3 * 1024 * 1024 + 123);
  auto b = dir.write("b.bin", 1024 * 1024);
  auto empty = dir.write("empty.bin", 0);
  std::vector<WarmTarget> targets{{a, 3 * 1024 * 1024 + 123, 3 * 1024 * 1024 + 123}, {b, 1024 * 1024, 1024 * 1024}, {empty, 0, 0}};
  WarmOptions options;
  options.threads = 3;
  options.chunk_bytes = 256 * 1024;  // many chunks, so the readers share files
  options.read_bytes = 64 * 1024;
  auto stats = warm_files(targets, options);
  CHECK(stats.bytes_read == 4 * 1024 * 1024 + 123);

  auto r = file_residency(a);
  CHECK(r.size_bytes == 3 * 1024 * 1024 + 123);
  CHECK(r.pages == (r.size_bytes + page_size() - 1) / page_size());
  CHECK(r.resident_bytes() == r.size_bytes);  // just read: every page is in the cache
  CHECK(file_residency(empty).pages == 0);
}

TEST_CASE("prewarm_files: the budget limits what is warmed and the report says what stayed cold") {
  test::TempDir dir;
  auto a = dir.write("a.bin", 64 * 1024);
  auto b = dir.write("b.bin", 64 * 1024);
  PrewarmFilesOptions options;
  options.max_bytes = 96 * 1024;
  auto report = prewarm_files({{a, 64 * 1024}, {b, 64 * 1024}}, options);
  CHECK(report.files[0].warm_bytes == 64 * 1024);
  CHECK(report.files[1].warm_bytes == 32 * 1024);
  CHECK(report.not_warmed_bytes == 32 * 1024);
  CHECK_FALSE(report.fits());
  CHECK(report.bytes_read == 96 * 1024);
  auto doc = prewarm_files_to_json(report);
  CHECK(doc["memory"]["fits"] == false);
  CHECK(doc["memory"]["not_warmed_bytes"] == 32 * 1024);
  CHECK(doc["totals"]["files"] == 2);
  CHECK(render_prewarm_files_table(report).find("does not fit in memory") != std::string::npos);
}

TEST_CASE("prewarm_files --check reads nothing and reports the same residency before and after") {
  test::TempDir dir;
  auto a = dir.write("a.bin", 64 * 1024);
  PrewarmFilesOptions options;
  options.mode = FilesMode::check;
  auto report = prewarm_files({{a, 64 * 1024}}, options);
  CHECK(report.bytes_read == 0);
  CHECK(report.resident_after_bytes == report.resident_before_bytes);
  CHECK(prewarm_files_to_json(report)["mode"] == "check");
}

TEST_CASE("PageLock keeps a mapping locked and a missing file is one clear error") {
  test::TempDir dir;
  auto a = dir.write("a.bin", 16 * 1024);
  PageLock lock;
  lock.lock(a, 16 * 1024);
  CHECK(lock.locked_bytes() == 16 * 1024);
  CHECK(file_residency(a).resident_bytes() == 16 * 1024);
  CHECK_THROWS_WITH_AS(lock.lock(dir.path() / "missing.bin", 4096), doctest::Contains("cannot open"), Error);
}
