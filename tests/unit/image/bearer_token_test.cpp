#include <doctest/doctest.h>

#include "coldstart/core/error.hpp"
#include "coldstart/image/bearer_token.hpp"

using namespace coldstart::image;
using namespace std::chrono_literals;

TEST_CASE("token responses: token or access_token, expires_in") {
  auto t = parse_token_response(R"({"token":"abc","expires_in":300,"issued_at":"2024-01-01T00:00:00Z"})", "auth");
  CHECK(t.value == "abc");
  CHECK(t.expires_in == 300);
  auto o = parse_token_response(R"({"access_token":"xyz"})", "auth");
  CHECK(o.value == "xyz");
  CHECK(o.expires_in == 60);  // the spec's default
  CHECK(parse_token_response(R"({"token":"","access_token":"second"})", "auth").value == "second");
  CHECK_THROWS_WITH_AS(parse_token_response("<html>", "auth.example"), doctest::Contains("not JSON"), coldstart::Error);
  CHECK_THROWS_WITH_AS(parse_token_response(R"({"expires_in":5})", "auth.example"),
                       doctest::Contains("without a token"), coldstart::Error);
}

TEST_CASE("token cache: per scope, refreshed before expiry") {
  TokenCache cache;
  auto t0 = TokenCache::Clock::time_point{} + 1000s;
  cache.put("repository:a:pull", BearerToken{"tok-a", 300}, t0);
  cache.put("repository:b:pull", BearerToken{"tok-b", 60}, t0);
  CHECK(cache.get("repository:a:pull", t0) == "tok-a");
  CHECK(cache.get("repository:b:pull", t0) == "tok-b");
  CHECK_FALSE(cache.get("repository:c:pull", t0).has_value());
  // 300 s token: refreshed 30 s early; 60 s token: 6 s early.
  CHECK(cache.get("repository:a:pull", t0 + 269s) == "tok-a");
  CHECK_FALSE(cache.get("repository:a:pull", t0 + 271s).has_value());
  CHECK(cache.get("repository:b:pull", t0 + 53s) == "tok-b");
  CHECK_FALSE(cache.get("repository:b:pull", t0 + 55s).has_value());
  cache.forget("repository:a:pull");
  CHECK_FALSE(cache.get("repository:a:pull", t0).has_value());
  cache.put("repository:b:pull", BearerToken{"tok-b2", 60}, t0 + 100s);
  CHECK(cache.get("repository:b:pull", t0 + 101s) == "tok-b2");
}

// Found by fuzz/token_response: expires_in 1e300 overflowed the cache's clock arithmetic (UB).
TEST_CASE("token responses: a huge expires_in is capped, and the cache takes it") {
  auto t = parse_token_response(R"({"token":"abc","expires_in":1e300})", "auth");
  CHECK(t.expires_in == kMaxTokenLifetimeSeconds);
  CHECK(parse_token_response(R"({"token":"abc","expires_in":3600})", "auth").expires_in == 3600);
  TokenCache cache;
  auto t0 = TokenCache::Clock::time_point{} + 1000s;
  cache.put("repository:a:pull", t, t0);
  CHECK(cache.get("repository:a:pull", t0 + 23h) == "abc");
  CHECK_FALSE(cache.get("repository:a:pull", t0 + 24h).has_value());
}
