// The HTTP client against a real local HTTP server (http_fixture_server.py).
#include <doctest/doctest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "coldstart/core/error.hpp"
#include "coldstart/core/http.hpp"

extern char** environ;

namespace {

using namespace coldstart;

// Starts the fixture server; stops it when destroyed.
class FixtureServer {
 public:
  FixtureServer() {
    int out[2];
    REQUIRE(pipe(out) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::string script = std::string(COLDSTART_SOURCE_DIR) + "/tests/unit/core/http_fixture_server.py";
    std::string python = "python3";
    char* argv[] = {python.data(), script.data(), nullptr};
    REQUIRE(posix_spawnp(&pid_, "python3", &actions, nullptr, argv, environ) == 0);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    FILE* f = fdopen(out[0], "r");
    char line[64] = {0};
    REQUIRE(fgets(line, sizeof line, f) != nullptr);
    fclose(f);
    port_ = std::stoi(line);
  }
  ~FixtureServer() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  std::string url(const std::string& path, const std::string& host = "127.0.0.1") const {
    return "http://" + host + ":" + std::to_string(port_) + path;
  }

 private:
  pid_t pid_ = 0;
  int port_ = 0;
};

http::Request get(const std::string& url) {
  http::Request r;
  r.url = url;
  r.connect_timeout_seconds = 5;
  r.low_speed_timeout_seconds = 5;
  return r;
}

}  // namespace

TEST_CASE("http client against a real server") {
  FixtureServer server;

  SUBCASE("GET returns status, headers and body") {
    auto r = http::send(get(server.url("/echo")));
    CHECK(r.status == 200);
    CHECK(r.header("content-type") == "application/json");
    CHECK(r.body.find("\"method\": \"GET\"") != std::string::npos);
  }

  SUBCASE("HEAD has no body") {
    auto req = get(server.url("/big?bytes=100"));
    req.method = "HEAD";
    auto r = http::send(req);
    CHECK(r.status == 200);
    CHECK(r.body.empty());
    CHECK(r.header("Content-Length") == "100");
  }

  SUBCASE("POST sends the body and its type") {
    auto req = get(server.url("/echo"));
    req.method = "POST";
    req.body = "grant_type=refresh_token&x=1";
    req.content_type = "application/x-www-form-urlencoded";
    auto r = http::send(req);
    CHECK(r.body.find("grant_type=refresh_token&x=1") != std::string::npos);
    CHECK(r.body.find("application/x-www-form-urlencoded") != std::string::npos);
  }

  SUBCASE("a redirect to the same host keeps Authorization") {
    auto req = get(server.url("/redirect?to=/echo"));
    req.headers.push_back({"Authorization", "Bearer same-host-token"});
    auto r = http::send(req);
    CHECK(r.status == 200);
    CHECK(r.body.find("same-host-token") != std::string::npos);
    CHECK(r.url == server.url("/echo"));
  }

  SUBCASE("a redirect to another host drops Authorization") {
    // 127.0.0.1 and localhost are different hosts to the client, the same server to us.
    std::string target = http::url_encode(server.url("/echo", "localhost"));
    for (int code : {302, 303, 307}) {
      auto req = get(server.url("/redirect?code=" + std::to_string(code) + "&to=" + target));
      req.headers.push_back({"Authorization", "Bearer must-not-leak"});
      auto r = http::send(req);
      CHECK(r.status == 200);
      CHECK(r.body.find("\"authorization\": null") != std::string::npos);
      CHECK(r.body.find("must-not-leak") == std::string::npos);
    }
  }

  SUBCASE("a 307/308 of a POST keeps its body on the same origin and is refused across origins") {
    for (int code : {307, 308}) {
      auto same = get(server.url("/redirect?code=" + std::to_string(code) + "&to=/echo"));
      same.method = "POST";
      same.body = "refresh_token=same-origin-secret";
      auto r = http::send(same);
      CHECK(r.status == 200);
      CHECK(r.body.find("same-origin-secret") != std::string::npos);

      auto cross = same;
      cross.url = server.url("/redirect?code=" + std::to_string(code) + "&to=" +
                             http::url_encode(server.url("/echo", "localhost")));
      CHECK_THROWS_WITH_AS(http::send(cross), doctest::Contains("to another origin"), Error);
    }
  }

  SUBCASE("a 303 of a POST to another origin continues as a bodiless GET") {
    auto req = get(server.url("/redirect?code=303&to=" + http::url_encode(server.url("/echo", "localhost"))));
    req.method = "POST";
    req.body = "password=hunter2";
    req.headers.push_back({"Authorization", "Basic must-not-leak"});
    auto r = http::send(req);
    CHECK(r.status == 200);
    CHECK(r.body.find("\"method\": \"GET\"") != std::string::npos);
    CHECK(r.body.find("must-not-leak") == std::string::npos);
  }

  SUBCASE("max_redirects 0 returns the redirect itself") {
    auto req = get(server.url("/redirect?to=/echo"));
    req.max_redirects = 0;
    auto r = http::send(req);
    CHECK(r.status == 307);
    CHECK(r.header("Location") == "/echo");
  }

  SUBCASE("a deadline that has passed fails before connecting, as a timeout") {
    auto req = get(server.url("/echo"));
    req.deadline_seconds = 1e-9;
    try {
      http::send(req);
      FAIL("the deadline had passed");
    } catch (const http::TransportError& e) {
      CHECK(e.kind() == http::TransportError::Kind::timeout);
      CHECK(e.detail().find("deadline") != std::string::npos);
    }
  }

  SUBCASE("redirect loops end with an error") {
    auto req = get(server.url("/redirect?to=" + http::url_encode(server.url("/redirect?to=/redirect%3Fto%3D/echo"))));
    req.max_redirects = 1;
    CHECK_THROWS_AS(http::send(req), Error);
  }

  SUBCASE("503 with Retry-After is retried until it succeeds") {
    auto r = http::send(get(server.url("/flaky?key=a&fail=2&status=503&retry_after=0")));
    CHECK(r.status == 200);
    CHECK(r.body == "ok");
    CHECK(http::send(get(server.url("/count?key=a"))).body == "3");
  }

  SUBCASE("429 and 408 are retried too") {
    CHECK(http::send(get(server.url("/flaky?key=b&fail=1&status=429&retry_after=0"))).status == 200);
    CHECK(http::send(get(server.url("/flaky?key=c&fail=1&status=408&retry_after=0"))).status == 200);
  }

  SUBCASE("retries are bounded: the last answer comes back") {
    auto req = get(server.url("/flaky?key=d&fail=100&status=500&retry_after=0"));
    req.max_retries = 2;
    auto r = http::send(req);
    CHECK(r.status == 500);
    CHECK(r.body == "try later\n");
    CHECK(http::send(get(server.url("/count?key=d"))).body == "3");
  }

  SUBCASE("404 is not retried") {
    auto r = http::send(get(server.url("/nothing")));
    CHECK(r.status == 404);
    CHECK(r.body == "404 page not found\n");
  }

  SUBCASE("a buffered body over the cap is refused") {
    auto req = get(server.url("/big?bytes=5000"));
    req.max_body_bytes = 1000;
    CHECK_THROWS_WITH_AS(http::send(req), doctest::Contains("larger than the 1000-byte limit"), Error);
  }

  SUBCASE("a sink streams 2xx bodies and does not see error bodies") {
    std::string seen;
    auto r = http::send(get(server.url("/big?bytes=300000")), [&](std::string_view chunk) { seen.append(chunk); });
    CHECK(r.status == 200);
    CHECK(seen.size() == 300000);
    CHECK(r.body.empty());
    seen.clear();
    auto missing = http::send(get(server.url("/nothing")), [&](std::string_view chunk) { seen.append(chunk); });
    CHECK(missing.status == 404);
    CHECK(seen.empty());
    CHECK(missing.body == "404 page not found\n");
  }

  SUBCASE("a sink that throws aborts the transfer with its own error") {
    auto sink = [](std::string_view) { throw Error("sink says stop"); };
    CHECK_THROWS_WITH_AS(http::send(get(server.url("/big?bytes=300000")), sink), "sink says stop", Error);
  }

  SUBCASE("a stalled transfer ends with a timeout instead of hanging") {
    auto req = get(server.url("/stall"));
    req.low_speed_timeout_seconds = 1;
    req.max_retries = 0;
    try {
      http::send(req, [](std::string_view) {});
      FAIL("a stalled transfer must fail");
    } catch (const http::TransportError& e) {
      CHECK(e.kind() == http::TransportError::Kind::timeout);
    }
  }
}

TEST_CASE("connection refused is a TransportError naming the host") {
  // Port 1 (tcpmux) is never served on these machines; binding it needs root anyway.
  auto req = get("http://127.0.0.1:1/v2/");
  req.max_retries = 1;
  try {
    http::send(req);
    FAIL("nothing listens on port 1");
  } catch (const http::TransportError& e) {
    CHECK(e.kind() == http::TransportError::Kind::connect);
    CHECK(e.host() == "127.0.0.1:1");
    CHECK(e.detail() == "Connection refused");
  }
}
