#include <doctest/doctest.h>

#include "coldstart/core/error.hpp"
#include "coldstart/image/auth.hpp"

using namespace coldstart::image;

TEST_CASE("WWW-Authenticate: Bearer with realm, service and scope") {
  auto c = parse_www_authenticate(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull")");
  REQUIRE(c.size() == 1);
  CHECK(c[0].scheme == "bearer");
  CHECK(c[0].param("realm") == "https://auth.docker.io/token");
  CHECK(c[0].param("service") == "registry.docker.io");
  CHECK(c[0].param("scope") == "repository:library/ubuntu:pull");
  CHECK(c[0].param("missing").empty());
}

TEST_CASE("WWW-Authenticate: Basic, case, spaces, escapes, unquoted values") {
  auto c = parse_www_authenticate(R"(basic  REALM = "coldstart \"test\"" , charset=UTF-8)");
  REQUIRE(c.size() == 1);
  CHECK(c[0].scheme == "basic");
  CHECK(c[0].param("realm") == "coldstart \"test\"");
  CHECK(c[0].param("charset") == "UTF-8");
}

TEST_CASE("WWW-Authenticate: several challenges in one header") {
  auto c = parse_www_authenticate(R"(Basic realm="a", Bearer realm="https://t/token",service="s")");
  REQUIRE(c.size() == 2);
  CHECK(c[0].scheme == "basic");
  CHECK(c[0].param("realm") == "a");
  CHECK(c[1].scheme == "bearer");
  CHECK(c[1].param("service") == "s");
  // Scopes with commas inside quotes stay whole.
  auto s = parse_www_authenticate(R"(Bearer realm="r",scope="repository:a/b:pull,push")");
  CHECK(s[0].param("scope") == "repository:a/b:pull,push");
}

TEST_CASE("WWW-Authenticate: junk does not crash and yields nothing useful") {
  CHECK(parse_www_authenticate("").empty());
  CHECK(parse_www_authenticate("=,,=\"").empty());
  auto c = parse_www_authenticate(R"(Bearer realm="unterminated)");
  REQUIRE(c.size() == 1);
  CHECK(c[0].param("realm") == "unterminated");
}

TEST_CASE("find_challenge looks through every header value") {
  std::vector<std::string> values{R"(Basic realm="x")", R"(Bearer realm="y")"};
  CHECK(find_challenge(values, "bearer")->param("realm") == "y");
  CHECK(find_challenge(values, "basic")->param("realm") == "x");
  CHECK_FALSE(find_challenge(values, "negotiate").has_value());
}

TEST_CASE("base64 round trips and Basic authorization") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_decode("dXNlcjpwYXNz", "t") == "user:pass");
  CHECK(base64_decode("Zg==", "t") == "f");
  std::string binary("\x00\xff\x10 colon:", 10);
  CHECK(base64_decode(base64_encode(binary), "t") == binary);
  CHECK(basic_authorization("user", "pa:ss") == "Basic " + base64_encode("user:pa:ss"));
  CHECK_THROWS_WITH_AS(base64_decode("not*base64", "auths of x"), doctest::Contains("invalid base64 in auths of x"),
                       coldstart::Error);
}
