#include <doctest/doctest.h>

#include "coldstart/core/http.hpp"

using namespace coldstart::http;

TEST_CASE("Retry-After: delta seconds and HTTP dates") {
  std::time_t now = 1445412480;  // Wed, 21 Oct 2015 07:28:00 GMT
  CHECK(parse_retry_after("120", now) == 120.0);
  CHECK(parse_retry_after(" 0 ", now) == 0.0);
  CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now) == 30.0);
  CHECK(parse_retry_after("Wednesday, 21-Oct-15 07:29:00 GMT", now) == 60.0);
  CHECK(parse_retry_after("Wed Oct 21 07:28:10 2015", now) == 10.0);
  // A date in the past means "now", never a negative wait.
  CHECK(parse_retry_after("Tue, 20 Oct 2015 07:28:00 GMT", now) == 0.0);
  CHECK_FALSE(parse_retry_after("", now).has_value());
  CHECK_FALSE(parse_retry_after("soon", now).has_value());
  CHECK_FALSE(parse_retry_after("-5", now).has_value());
  CHECK_FALSE(parse_retry_after("99999999999", now).has_value());
}

TEST_CASE("retryable statuses") {
  for (long s : {408L, 429L, 500L, 502L, 503L, 504L}) CHECK(is_retryable_status(s));
  for (long s : {200L, 301L, 400L, 401L, 403L, 404L}) CHECK_FALSE(is_retryable_status(s));
}

TEST_CASE("backoff grows exponentially, is jittered, capped, and yields to Retry-After") {
  CHECK(backoff_delay(0, std::nullopt, 0.999, 0.5, 30) == doctest::Approx(0.4995));
  CHECK(backoff_delay(3, std::nullopt, 0.999, 0.5, 30) == doctest::Approx(3.996));
  CHECK(backoff_delay(20, std::nullopt, 0.999, 0.5, 30) == doctest::Approx(29.97));
  // Full jitter, but never zero.
  CHECK(backoff_delay(3, std::nullopt, 0.0, 0.5, 30) == doctest::Approx(0.125));
  CHECK(backoff_delay(3, 7.0, 0.5, 0.5, 30) == 7.0);
  CHECK(backoff_delay(0, 3600.0, 0.5, 0.5, 30) == 30.0);
}

TEST_CASE("Location headers resolve against the answering URL") {
  CHECK(resolve_location("https://r.example/v2/a/blobs/sha256:1", "https://s3.example/bucket/x?sig=1") ==
        "https://s3.example/bucket/x?sig=1");
  CHECK(resolve_location("https://r.example:5000/v2/a/blobs/x", "/storage/x") == "https://r.example:5000/storage/x");
  CHECK(resolve_location("https://r.example/v2/a/blobs/x", "y") == "https://r.example/v2/a/blobs/y");
  CHECK(resolve_location("https://r.example/v2/a", "//cdn.example/z") == "https://cdn.example/z");
}

TEST_CASE("url authority: host and explicit port, lowercase, no userinfo") {
  CHECK(url_authority("https://Registry.Example:5000/v2/") == "registry.example:5000");
  CHECK(url_authority("http://127.0.0.1/x") == "127.0.0.1");
  CHECK(url_authority("https://user:pw@host.example/x") == "host.example");
  CHECK(url_authority("http://[::1]:5000/v2/") == "[::1]:5000");
}

TEST_CASE("url_encode keeps unreserved characters only") {
  CHECK(url_encode("repository:aigc/sd:pull,push") == "repository%3Aaigc%2Fsd%3Apull%2Cpush");
  CHECK(url_encode("a-b_c.d~e") == "a-b_c.d~e");
  CHECK(url_encode("a b") == "a%20b");
}

TEST_CASE("secrets are redacted from logged headers") {
  CHECK(redacted({"Authorization", "Bearer eyJhbGciOi.secret"}) == "Authorization: Bearer <redacted>");
  CHECK(redacted({"authorization", "Basic dXNlcjpwYXNz"}) == "authorization: Basic <redacted>");
  CHECK(redacted({"Cookie", "session=abc"}) == "Cookie: <redacted>");
  CHECK(redacted({"Accept", "application/json"}) == "Accept: application/json");
}

TEST_CASE("response headers are looked up case-insensitively") {
  Response r;
  r.headers = {{"Content-Type", "a"}, {"link", "<x>; rel=\"next\""}, {"WWW-Authenticate", "Basic"},
               {"www-authenticate", "Bearer realm=x"}};
  CHECK(r.header("content-type") == "a");
  CHECK(r.header("Link") == "<x>; rel=\"next\"");
  CHECK_FALSE(r.header("Location").has_value());
  CHECK(r.header_values("WWW-Authenticate").size() == 2);
}
