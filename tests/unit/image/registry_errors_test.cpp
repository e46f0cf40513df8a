#include <doctest/doctest.h>

#include "coldstart/image/registry_errors.hpp"

using namespace coldstart::image;

TEST_CASE("distribution JSON errors become CODE: message") {
  CHECK(summarize_registry_error(
            404, R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"v9"}}]})") ==
        "MANIFEST_UNKNOWN: manifest unknown");
  CHECK(summarize_registry_error(401, R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"},
                                        {"code":"DENIED","message":"requested access to the resource is denied"}]})") ==
        "UNAUTHORIZED: authentication required; DENIED: requested access to the resource is denied");
  CHECK(summarize_registry_error(404, R"({"errors":[{"code":"NAME_UNKNOWN"}]})") == "NAME_UNKNOWN");
}

TEST_CASE("plain-text, HTML, token-server and empty bodies") {
  CHECK(summarize_registry_error(404, "404 page not found\n") == "HTTP 404: 404 page not found");
  CHECK(summarize_registry_error(502, "\n  upstream down\nsecond line") == "HTTP 502: upstream down");
  CHECK(summarize_registry_error(503, "<html><body>Service Unavailable</body></html>") == "HTTP 503 Service Unavailable");
  CHECK(summarize_registry_error(404, "") == "HTTP 404 Not Found");
  CHECK(summarize_registry_error(599, "") == "HTTP 599");
  CHECK(summarize_registry_error(401, R"({"details":"incorrect username or password"})") ==
        "HTTP 401: incorrect username or password");
  // One line, printable, bounded.
  std::string longline(1000, 'a');
  auto s = summarize_registry_error(500, longline + "\x01");
  CHECK(s.size() < 220);
  CHECK(s.find('\n') == std::string::npos);
  CHECK(summarize_registry_error(500, std::string("bad\x01thing")) == "HTTP 500: bad?thing");
}

TEST_CASE("Link headers: the rel=next target") {
  CHECK(next_link(R"(</v2/aigc/sd/tags/list?last=v2&n=2>; rel="next")") == "/v2/aigc/sd/tags/list?last=v2&n=2");
  CHECK(next_link(R"(<https://a/prev>; rel="prev", <https://a/next>; rel=next)") == "https://a/next");
  CHECK(next_link(R"(<https://a/prev>; rel="prev")").empty());
  CHECK(next_link("").empty());
  CHECK(next_link("<unterminated").empty());
}
