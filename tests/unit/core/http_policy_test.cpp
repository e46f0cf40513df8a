// The credential rule (http_policy.hpp) as pure decisions.
#include <doctest/doctest.h>

#include "coldstart/core/http.hpp"
#include "coldstart/core/http_policy.hpp"

using namespace coldstart::http;

TEST_CASE("same origin: scheme, host and port, default ports made explicit") {
  CHECK(same_origin("https://reg.io/v2/", "https://reg.io:443/token"));
  CHECK(same_origin("http://127.0.0.1:5000/a", "http://127.0.0.1:5000/b?x=1"));
  CHECK(same_origin("HTTPS://Reg.IO/a", "https://reg.io/b"));
  CHECK_FALSE(same_origin("http://reg.io/a", "https://reg.io/a"));        // scheme
  CHECK_FALSE(same_origin("http://127.0.0.1:5000/", "http://localhost:5000/"));  // host
  CHECK_FALSE(same_origin("http://reg.io:5000/", "http://reg.io:5001/"));  // port
  CHECK_FALSE(same_origin("http://reg.io/", "http://reg.io:8080/"));
  CHECK_FALSE(same_origin("not a url", "not a url"));
}

TEST_CASE("credential headers") {
  CHECK(is_credential_header("Authorization"));
  CHECK(is_credential_header("proxy-authorization"));
  CHECK(is_credential_header("COOKIE"));
  CHECK_FALSE(is_credential_header("Accept"));
  CHECK_FALSE(is_credential_header("Range"));
}

TEST_CASE("redirects: what travels, what is dropped, what is refused") {
  SUBCASE("same origin keeps credentials, and 307/308 keep the body") {
    for (long code : {307L, 308L}) {
      auto d = decide_redirect(code, "POST", true, true);
      CHECK(d.follow);
      CHECK(d.keep_credentials);
      CHECK(d.keep_body);
      CHECK(d.method == "POST");
    }
  }
  SUBCASE("another origin loses the credential headers") {
    auto d = decide_redirect(307, "GET", false, false);
    CHECK(d.follow);
    CHECK_FALSE(d.keep_credentials);
    CHECK(d.method == "GET");
  }
  SUBCASE("a body never crosses origins: 307/308 with a body are refused") {
    for (long code : {307L, 308L}) {
      auto d = decide_redirect(code, "POST", true, false);
      CHECK_FALSE(d.follow);
      CHECK(d.refusal.find("another origin") != std::string::npos);
    }
  }
  SUBCASE("301/302/303 of a POST become a bodiless GET, and may then cross origins") {
    for (long code : {301L, 302L, 303L}) {
      auto d = decide_redirect(code, "POST", true, false);
      CHECK(d.follow);
      CHECK(d.method == "GET");
      CHECK_FALSE(d.keep_body);
      CHECK_FALSE(d.keep_credentials);
    }
  }
  SUBCASE("HEAD stays HEAD after a 303") { CHECK(decide_redirect(303, "HEAD", false, true).method == "HEAD"); }
}

TEST_CASE("--insecure names hosts: TLS stays verified everywhere else") {
  std::set<std::string> insecure{"reg.io:5000"};
  CHECK_FALSE(verifies_tls("https://reg.io:5000/v2/", insecure));
  CHECK(verifies_tls("https://auth.reg.io/token", insecure));
  CHECK(verifies_tls("https://reg.io/token", insecure));  // same host, other port
}

TEST_CASE("credentials and plain-http token realms") {
  std::set<std::string> none;
  CHECK(may_send_credentials_to_realm("https://auth.example.com/token", "reg.example.com", none));
  CHECK(may_send_credentials_to_realm("http://127.0.0.1:5001/token", "127.0.0.1:5000", none));  // same host
  CHECK_FALSE(may_send_credentials_to_realm("http://localhost:5001/token", "127.0.0.1:5000", none));
  CHECK_FALSE(may_send_credentials_to_realm("http://auth.example.com/token", "reg.example.com", none));
  CHECK(may_send_credentials_to_realm("http://localhost:5001/token", "127.0.0.1:5000", {"localhost:5001"}));
  CHECK(may_send_credentials_to_realm("http://[::1]:5001/token", "[::1]:5000", none));
  CHECK_FALSE(may_send_credentials_to_realm("garbage", "127.0.0.1:5000", none));
}

TEST_CASE("basic_authorization is RFC 7617 base64 of user:password") {
  CHECK(basic_authorization("Aladdin", "open sesame") == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  CHECK(basic_authorization("a", "") == "Basic YTo=");
  CHECK(basic_authorization("ab", "c") == "Basic YWI6Yw==");
}
