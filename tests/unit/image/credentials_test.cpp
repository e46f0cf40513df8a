#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "coldstart/core/error.hpp"
#include "coldstart/image/auth.hpp"
#include "coldstart/image/credentials.hpp"

using namespace coldstart::image;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string auth_of(const std::string& user, const std::string& pw) { return base64_encode(user + ":" + pw); }

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/coldstart-cred-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
  void write(const std::string& rel, const std::string& text, bool executable = false) const {
    fs::create_directories((path / rel).parent_path());
    std::ofstream(path / rel) << text;
    if (executable) chmod((path / rel).c_str(), 0755);
  }
};

}  // namespace

TEST_CASE("docker config.json: auths by host, by URL, by namespace") {
  json doc = {{"auths",
               {{"https://127.0.0.1:5000/v1/", {{"auth", auth_of("url-user", "p1")}}},
                {"other.example", {{"auth", auth_of("o", "p")}}},
                {"quay.example/team", {{"auth", auth_of("team-user", "p2")}}},
                {"quay.example", {{"auth", auth_of("quay-user", "p3")}}},
                {"https://index.docker.io/v1/", {{"auth", auth_of("hub-user", "p4")}}}}}};
  auto c = credentials_from_auth_file(doc, "127.0.0.1:5000", "aigc/sd", "config.json");
  REQUIRE(c);
  CHECK(c->username == "url-user");
  CHECK(c->password == "p1");
  CHECK(c->origin == "config.json");
  CHECK(credentials_from_auth_file(doc, "quay.example", "team/app", "f")->username == "team-user");
  CHECK(credentials_from_auth_file(doc, "quay.example", "solo/app", "f")->username == "quay-user");
  CHECK(credentials_from_auth_file(doc, "registry-1.docker.io", "library/ubuntu", "f")->username == "hub-user");
  CHECK_FALSE(credentials_from_auth_file(doc, "127.0.0.1:5001", "aigc/sd", "f"));
}

TEST_CASE("docker config.json: passwords with colons, identity tokens, malformed entries") {
  json doc = {{"auths",
               {{"a.example", {{"auth", auth_of("u", "pa:ss:word")}}},
                {"b.example", {{"auth", ""}, {"identitytoken", "refresh-123"}}},
                {"c.example", {{"auth", base64_encode("no-colon")}}},
                {"d.example", {{"auth", "***"}}},
                {"e.example", json::object()}}}};
  CHECK(credentials_from_auth_file(doc, "a.example", "r", "f")->password == "pa:ss:word");
  auto b = credentials_from_auth_file(doc, "b.example", "r", "f");
  REQUIRE(b);
  CHECK(b->identity_token == "refresh-123");
  CHECK(b->username.empty());
  CHECK_THROWS_WITH_AS(credentials_from_auth_file(doc, "c.example", "r", "/x/config.json"),
                       doctest::Contains("malformed auth in auths[\"c.example\"] of /x/config.json"), coldstart::Error);
  CHECK_THROWS_AS(credentials_from_auth_file(doc, "d.example", "r", "f"), coldstart::Error);
  CHECK_FALSE(credentials_from_auth_file(doc, "e.example", "r", "f"));
  CHECK_THROWS_AS(credentials_from_auth_file(json::array(), "a.example", "r", "f"), coldstart::Error);
}

TEST_CASE("auth file candidates follow REGISTRY_AUTH_FILE, XDG_RUNTIME_DIR, DOCKER_CONFIG, HOME") {
  CredentialEnvironment env{"/a/auth.json", "/run/user/0", "/d", "/home/u"};
  auto files = auth_file_candidates(env);
  REQUIRE(files.size() == 3);
  CHECK(files[0] == "/a/auth.json");
  CHECK(files[1] == "/run/user/0/containers/auth.json");
  CHECK(files[2] == "/d/config.json");
  auto home_only = auth_file_candidates(CredentialEnvironment{"", "", "", "/home/u"});
  REQUIRE(home_only.size() == 1);
  CHECK(home_only[0] == "/home/u/.docker/config.json");
}

TEST_CASE("find_credentials: flags first, then the first file that knows the registry") {
  TempDir tmp;
  tmp.write("auth.json", json{{"auths", {{"r1.example", {{"auth", auth_of("from-auth-file", "p")}}}}}}.dump());
  tmp.write("run/containers/auth.json",
            json{{"auths", {{"r2.example", {{"auth", auth_of("from-xdg", "p")}}}}}}.dump());
  tmp.write("docker/config.json", json{{"auths",
                                        {{"r1.example", {{"auth", auth_of("shadowed", "p")}}},
                                         {"r3.example", {{"auth", auth_of("from-docker", "p")}}}}}}
                                      .dump());
  CredentialEnvironment env{(tmp.path / "auth.json").string(), (tmp.path / "run").string(),
                            (tmp.path / "docker").string(), "/nonexistent"};
  CHECK(find_credentials("r1.example", "x", "", "", env)->username == "from-auth-file");
  CHECK(find_credentials("r2.example", "x", "", "", env)->username == "from-xdg");
  CHECK(find_credentials("r3.example", "x", "", "", env)->username == "from-docker");
  CHECK_FALSE(find_credentials("r4.example", "x", "", "", env));
  auto flags = find_credentials("r1.example", "x", "flag-user", "flag-pw", env);
  CHECK(flags->username == "flag-user");
  CHECK(flags->password == "flag-pw");
  CHECK(flags->origin == "--username");

  tmp.write("bad/config.json", "{not json");
  CredentialEnvironment bad{"", "", (tmp.path / "bad").string(), ""};
  CHECK_THROWS_WITH_AS(find_credentials("r1.example", "x", "", "", bad), doctest::Contains("is not valid JSON"),
                       coldstart::Error);
}

TEST_CASE("credential helpers run as docker-credential-NAME get") {
  TempDir tmp;
  // A real helper executable: answers for one server, "not found" for others, fails for "broken".
  tmp.write("bin/docker-credential-coldtest",
            "#!/bin/sh\n"
            "[ \"$1\" = get ] || exit 3\n"
            "read server\n"
            "case \"$server\" in\n"
            "  helper.example) echo '{\"ServerURL\":\"helper.example\",\"Username\":\"helper-user\",\"Secret\":\"s3cret\"}' ;;\n"
            "  https://index.docker.io/v1/) echo '{\"Username\":\"<token>\",\"Secret\":\"refresh-tok\"}' ;;\n"
            "  broken.example) echo 'boom' >&2; exit 1 ;;\n"
            "  *) echo 'credentials not found in native keychain'; exit 1 ;;\n"
            "esac\n",
            true);
  std::string old_path = std::getenv("PATH") ? std::getenv("PATH") : "";
  setenv("PATH", ((tmp.path / "bin").string() + ":" + old_path).c_str(), 1);

  auto c = run_credential_helper("coldtest", "helper.example");
  REQUIRE(c);
  CHECK(c->username == "helper-user");
  CHECK(c->password == "s3cret");
  CHECK(c->origin == "docker-credential-coldtest");
  auto hub = run_credential_helper("coldtest", docker_config_server_name("docker.io"));
  REQUIRE(hub);
  CHECK(hub->identity_token == "refresh-tok");
  CHECK_FALSE(run_credential_helper("coldtest", "unknown.example"));
  CHECK_THROWS_WITH_AS(run_credential_helper("coldtest", "broken.example"),
                       doctest::Contains("credential helper docker-credential-coldtest failed for broken.example"),
                       coldstart::Error);
  CHECK_THROWS_WITH_AS(run_credential_helper("no-such-helper-xyz", "a"), doctest::Contains("cannot run"),
                       coldstart::Error);

  // credHelpers beats auths; credsStore covers registries auths does not name.
  json doc = {{"auths", {{"helper.example", {{"auth", auth_of("auths-user", "p")}}}}},
              {"credHelpers", {{"helper.example", "coldtest"}}}};
  CHECK(credentials_from_auth_file(doc, "helper.example", "r", "f")->username == "helper-user");
  json store = {{"credsStore", "coldtest"}, {"auths", {{"other.example", {{"auth", auth_of("o", "p")}}}}}};
  CHECK(credentials_from_auth_file(store, "helper.example", "r", "f")->username == "helper-user");
  CHECK(credentials_from_auth_file(store, "other.example", "r", "f")->username == "o");
  CHECK_FALSE(credentials_from_auth_file(store, "nobody.example", "r", "f"));
  setenv("PATH", old_path.c_str(), 1);
}

// Reproduced by fuzz/credential_helper_output: a non-string Username escaped as nlohmann's type_error.
TEST_CASE("credential helper output: wrong-typed fields are malformed output, never echoed") {
  auto c = parse_credential_helper_output(R"({"ServerURL":"r","Username":"u","Secret":"s"})", "docker-credential-x", "r");
  REQUIRE(c);
  CHECK(c->username == "u");
  CHECK(c->password == "s");
  CHECK_FALSE(parse_credential_helper_output(R"({"Username":null})", "docker-credential-x", "r"));
  CHECK_THROWS_WITH_AS(parse_credential_helper_output(R"({"Username":1,"Secret":"hunter2"})", "docker-credential-x", "r"),
                       doctest::Contains("docker-credential-x returned malformed output for r: Username is not a string"),
                       coldstart::Error);
  try {
    parse_credential_helper_output(R"({"Username":"u","Secret":["hunter2"]})", "docker-credential-x", "r");
    FAIL("no error");
  } catch (const coldstart::Error& e) {
    CHECK(std::string(e.what()).find("hunter2") == std::string::npos);
  }
}
