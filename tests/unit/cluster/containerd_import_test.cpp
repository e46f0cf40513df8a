// import_into_containerd without a containerd: names, and the failures that come before ctr runs.
// The import itself runs against a real containerd in tests/integration/prewarm_import.sh.
#include "coldstart/cluster/containerd_import.hpp"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../image/local_image_fixture.hpp"
#include "coldstart/core/error.hpp"

using coldstart::Error;
using coldstart::cluster::containerd_image_name;
using coldstart::cluster::import_into_containerd;
using coldstart::cluster::ImportOptions;

TEST_CASE("containerd names images as the kubelet asks for them") {
  CHECK(containerd_image_name("ubuntu:22.04") == "docker.io/library/ubuntu:22.04");
  CHECK(containerd_image_name("registry-1.docker.io/org/app") == "docker.io/org/app:latest");
  CHECK(containerd_image_name("127.0.0.1:5000/aigc:v5") == "127.0.0.1:5000/aigc:v5");
  CHECK(containerd_image_name("ghcr.io/a/b@sha256:" + std::string(64, 'a')) == "ghcr.io/a/b@sha256:" + std::string(64, 'a'));
}

TEST_CASE("--import containerd[=SOCKET]") {
  using coldstart::cluster::parse_import_flag;
  ::unsetenv("CONTAINERD_ADDRESS");
  CHECK(parse_import_flag("containerd").socket == "/run/containerd/containerd.sock");
  CHECK(parse_import_flag("containerd").namespace_name == "k8s.io");
  CHECK(parse_import_flag("containerd=/run/k3s/containerd/containerd.sock").socket ==
        "/run/k3s/containerd/containerd.sock");
  ::setenv("CONTAINERD_ADDRESS", "/tmp/c.sock", 1);
  CHECK(parse_import_flag("containerd").socket == "/tmp/c.sock");
  CHECK(parse_import_flag("containerd=/x.sock").socket == "/x.sock");
  ::unsetenv("CONTAINERD_ADDRESS");
  CHECK_THROWS_WITH_AS(parse_import_flag("docker"), doctest::Contains("unknown runtime 'docker'"), coldstart::UsageError);
  CHECK_THROWS_WITH_AS(parse_import_flag("containerd="), doctest::Contains("empty"), coldstart::UsageError);
}

TEST_CASE("the cache is checked first, then the socket; each failure is one line naming it") {
  fixture::TempDir dir;
  auto img = fixture::add_image(dir.path, {"layer"});
  fixture::write_index(dir.path, {fixture::tagged(img.manifest, "v1")});
  ImportOptions options;
  options.socket = (dir.path / "containerd.sock").string();
  CHECK_THROWS_WITH_AS(import_into_containerd(dir.path, "reg.example/a:v2", options),
                       doctest::Contains("is not in the cache"), Error);
  std::string not_running = "containerd is not running at " + options.socket + ": the socket does not exist";
  CHECK_THROWS_WITH_AS(import_into_containerd(dir.path, "reg.example/a:v1", options),
                       doctest::Contains(not_running.c_str()), Error);
  // a socket file nobody listens on (left over from a crashed containerd)
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", options.socket.c_str());
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  ::close(fd);
  CHECK_THROWS_WITH_AS(import_into_containerd(dir.path, "reg.example/a:v1", options),
                       doctest::Contains("nothing listens on the socket"), Error);
}

TEST_CASE("a missing ctr is named with what to install") {
  fixture::TempDir dir;
  auto img = fixture::add_image(dir.path, {"layer"});
  fixture::write_index(dir.path, {fixture::tagged(img.manifest, "v1")});
  // a listening socket, so the check passes and ctr is what fails
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  auto path = (dir.path / "listening.sock").string();
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(fd, 4) == 0);
  ImportOptions options;
  options.socket = path;
  options.ctr = (dir.path / "no-such-ctr").string();
  CHECK_THROWS_WITH_AS(import_into_containerd(dir.path, "reg.example/a:v1", options),
                       doctest::Contains("was not found on PATH (install containerd's ctr"), Error);
  ::close(fd);
}
