// Registry transport against a real docker-registry. Skipped in the unit run: the integration
// test tests/integration/registry_tags.sh starts the registry, pushes images with skopeo and
// runs these with --no-skip and the environment below.
//   REGISTRY=127.0.0.1:PORT (plain HTTP)  LIVE_REPO=aigc/tiny  LIVE_TAGS=comma-separated, sorted
//   LIVE_CORRUPT_REPO / LIVE_CORRUPT_TAG: an image whose second layer blob was corrupted in storage
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "coldstart/core/digest.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/image/registry_client.hpp"
#include "coldstart/image/registry_source.hpp"

using namespace coldstart;
using namespace coldstart::image;

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  REQUIRE_MESSAGE(v != nullptr, name << " must be set (run through tests/integration/registry_tags.sh)");
  return v;
}

SourceOptions plain_options(const std::string& registry) {
  SourceOptions o;
  o.plain_http.insert(registry);
  o.connect_timeout_seconds = 5;
  o.max_retries = 1;
  return o;
}

Reference ref(const std::string& registry, const std::string& repo, const std::string& tag) {
  Reference r;
  r.registry = registry;
  r.repository = repo;
  r.tag = tag;
  return r;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(item);
  return out;
}

}  // namespace

TEST_CASE("live registry: tags list follows Link pagination" * doctest::skip()) {
  std::string registry = env("REGISTRY");
  auto want = split(env("LIVE_TAGS"));
  REQUIRE(want.size() >= 5);
  auto reference = ref(registry, env("LIVE_REPO"), "v1");
  for (int page : {1, 2, 3, 1000}) {
    auto tags = list_registry_tags(reference, plain_options(registry), page);
    std::sort(tags.begin(), tags.end());
    CHECK_MESSAGE(tags == want, "page size " << page);
  }
  auto source = open_registry_source(reference, plain_options(registry));
  auto all = source->list_tags();
  std::sort(all.begin(), all.end());
  CHECK(all == want);
  CHECK_THROWS_WITH_AS(list_registry_tags(ref(registry, "no/such-repo", "v1"), plain_options(registry), 2),
                       doctest::Contains("NAME_UNKNOWN"), Error);
}

TEST_CASE("live registry: resolve, stream every blob verified, HEAD" * doctest::skip()) {
  std::string registry = env("REGISTRY");
  auto source = open_registry_source(ref(registry, env("LIVE_REPO"), "v1"), plain_options(registry));
  CHECK(source->describe() == "docker://" + registry + "/" + env("LIVE_REPO") + ":v1");
  auto image = source->resolve();
  CHECK(image.manifest_digest == sha256_digest(image.manifest_json));
  CHECK(image.config_digest == sha256_digest(image.config_json));
  REQUIRE(image.manifest.layers.size() == image.config.diff_ids.size());
  for (const auto& layer : image.manifest.layers) {
    auto stream = source->open_blob(layer);
    Sha256 hash;
    std::uint64_t total = 0;
    char buf[7000];  // an odd size: reads straddle the queued chunks
    while (std::size_t n = stream->read(buf, sizeof buf)) {
      hash.update(buf, n);
      total += n;
    }
    CHECK(hash.digest() == layer.digest);
    CHECK(total == static_cast<std::uint64_t>(layer.size));
  }
  // Dropping a stream before its end cancels the download without hanging.
  {
    auto stream = source->open_blob(image.manifest.layers.front());
    char one;
    CHECK(stream->read(&one, 1) == 1);
  }
  RegistryClient client(registry, plain_options(registry));
  auto head = client.head_manifest(env("LIVE_REPO"), "v1");
  REQUIRE(head);
  CHECK(head->size == static_cast<std::int64_t>(image.manifest_json.size()));
  CHECK_FALSE(client.head_manifest(env("LIVE_REPO"), "no-such-tag"));
  // By digest, the bytes are verified against the digest asked for.
  auto by_digest = client.get_manifest(env("LIVE_REPO"), image.manifest_digest);
  CHECK(by_digest.bytes == image.manifest_json);
}

TEST_CASE("live registry: a corrupted layer fails at the end of its stream" * doctest::skip()) {
  std::string registry = env("REGISTRY");
  auto source = open_registry_source(ref(registry, env("LIVE_CORRUPT_REPO"), env("LIVE_CORRUPT_TAG")),
                                     plain_options(registry));
  auto image = source->resolve();
  auto stream = source->open_blob(image.manifest.layers.at(1));
  char buf[65536];
  auto drain = [&] {
    while (stream->read(buf, sizeof buf)) {
    }
  };
  CHECK_THROWS_WITH_AS(drain(), doctest::Contains("digest mismatch for blob"), Error);
  // A descriptor that claims fewer bytes than the blob has is cut off, not trusted.
  Descriptor shorter = image.manifest.layers.at(0);
  shorter.size -= 10;
  auto cut = source->open_blob(shorter);
  auto drain_cut = [&] {
    while (cut->read(buf, sizeof buf)) {
    }
  };
  CHECK_THROWS_WITH_AS(drain_cut(), doctest::Contains("larger than its descriptor"), Error);
}

TEST_CASE("live registry: a blob download cut off midway resumes with Range" * doctest::skip()) {
  // LIVE_PROXY relays to the registry and cuts connections after some bytes (cutting_proxy.py).
  std::string proxy = env("LIVE_PROXY");
  auto options = plain_options(proxy);
  options.max_retries = 3;
  auto source = open_registry_source(ref(proxy, env("LIVE_BIG_REPO"), "v1"), options);
  auto image = source->resolve();
  const auto& big = image.manifest.layers.at(1);
  REQUIRE(big.size > 256 * 1024);
  auto stream = source->open_blob(big);
  Sha256 hash;
  std::uint64_t total = 0;
  char buf[65536];
  while (std::size_t n = stream->read(buf, sizeof buf)) {
    hash.update(buf, n);
    total += n;
  }
  CHECK(total == static_cast<std::uint64_t>(big.size));
  CHECK(hash.digest() == big.digest);
}
