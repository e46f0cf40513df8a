#include <doctest/doctest.h>

#include "coldstart/core/error.hpp"
#include "coldstart/image/reference.hpp"

using coldstart::UsageError;
using coldstart::image::Reference;

namespace {
const std::string kDigest = "sha256:" + std::string(64, 'a');

std::string message_of(const std::string& text) {
  try {
    Reference::parse(text);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("docker hub names get the registry, library/ and latest") {
  auto r = Reference::parse("ubuntu");
  CHECK(r.registry == "registry-1.docker.io");
  CHECK(r.repository == "library/ubuntu");
  CHECK(r.tag == "latest");
  CHECK(r.digest.empty());
  CHECK(r.to_string() == "registry-1.docker.io/library/ubuntu:latest");
  CHECK(r.manifest_reference() == "latest");

  CHECK(Reference::parse("docker.io/ubuntu:22.04").repository == "library/ubuntu");
  CHECK(Reference::parse("docker.io/ubuntu:22.04").tag == "22.04");
  CHECK(Reference::parse("index.docker.io/library/ubuntu").registry == "registry-1.docker.io");
  auto user = Reference::parse("pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime");
  CHECK(user.registry == "registry-1.docker.io");
  CHECK(user.repository == "pytorch/pytorch");
  CHECK(user.tag == "2.1.0-cuda12.1-cudnn8-runtime");
}

TEST_CASE("other registries keep their name and nested repositories") {
  auto r = Reference::parse("ghcr.io/org/team/model-server:v1.2");
  CHECK(r.registry == "ghcr.io");
  CHECK(r.repository == "org/team/model-server");
  CHECK(r.tag == "v1.2");
  // A single component outside docker hub gets no library/ prefix.
  CHECK(Reference::parse("quay.io/app").repository == "app");
  CHECK(Reference::parse("localhost/app").registry == "localhost");
  CHECK(Reference::parse("localhost/app").repository == "app");
}

TEST_CASE("ports are part of the registry, not a tag") {
  auto r = Reference::parse("127.0.0.1:5000/aigc/sd");
  CHECK(r.registry == "127.0.0.1:5000");
  CHECK(r.repository == "aigc/sd");
  CHECK(r.tag == "latest");
  auto t = Reference::parse("localhost:5000/aigc/sd:v9");
  CHECK(t.registry == "localhost:5000");
  CHECK(t.tag == "v9");
  CHECK(t.to_string() == "localhost:5000/aigc/sd:v9");
}

TEST_CASE("IPv6 literals in brackets, with and without a port") {
  auto r = Reference::parse("[::1]:5000/repo:tag");
  CHECK(r.registry == "[::1]:5000");
  CHECK(r.repository == "repo");
  CHECK(r.tag == "tag");
  auto n = Reference::parse("[fe80::1]/a/b");
  CHECK(n.registry == "[fe80::1]");
  CHECK(n.repository == "a/b");
  CHECK(n.tag == "latest");
  CHECK_THROWS_AS(Reference::parse("[::1/repo"), UsageError);
  CHECK_THROWS_AS(Reference::parse("[::1]:port/repo"), UsageError);
  CHECK_THROWS_AS(Reference::parse("[zz::1]/repo"), UsageError);
}

TEST_CASE("digests, alone or with a tag") {
  auto d = Reference::parse("127.0.0.1:5000/aigc/sd@" + kDigest);
  CHECK(d.digest == kDigest);
  CHECK(d.tag.empty());  // no default tag when pinned by digest
  CHECK(d.manifest_reference() == kDigest);
  CHECK(d.to_string() == "127.0.0.1:5000/aigc/sd@" + kDigest);
  auto both = Reference::parse("aigc/sd:v3@" + kDigest);
  CHECK(both.tag == "v3");
  CHECK(both.digest == kDigest);
  CHECK(both.manifest_reference() == kDigest);  // the digest wins
  CHECK(both.to_string() == "registry-1.docker.io/aigc/sd:v3@" + kDigest);
  CHECK_THROWS_AS(Reference::parse("aigc/sd@sha256:abc"), UsageError);
  CHECK_THROWS_AS(Reference::parse("aigc/sd@sha256:" + std::string(64, 'A')), UsageError);
  CHECK_THROWS_AS(Reference::parse("aigc/sd@md5:" + std::string(32, 'a')), UsageError);
}

TEST_CASE("repository names must be lowercase and well formed") {
  CHECK(message_of("aigc/StableDiffusion:v1").find("must be lowercase") != std::string::npos);
  // Capitals in a first component that is not a host are a lowercase error, not a host name.
  CHECK(message_of("MyTeam/app").find("must be lowercase") != std::string::npos);
  CHECK(Reference::parse("Registry.Example.com/app").registry == "Registry.Example.com");
  CHECK(Reference::parse("a__b/c.d-e_f").repository == "a__b/c.d-e_f");
  CHECK(Reference::parse("a---b/c").repository == "a---b/c");
  for (const char* bad : {"a/", "/a", "a//b", "-a/b", "a_/b", "a/b.", "a___b/c", "a/b:", "a/b:-x", "a/b:.x",
                          "a b", "a/b:t@", "", "@" "sha256:x", "reg.io:99999/a", "reg.io:/a", "-reg.io/a"})
    CHECK_THROWS_AS(Reference::parse(bad), UsageError);
  CHECK_THROWS_AS(Reference::parse("a/b:" + std::string(129, 't')), UsageError);
  CHECK_NOTHROW(Reference::parse("a/b:" + std::string(128, 't')));
  CHECK_THROWS_AS(Reference::parse("reg.io/" + std::string(260, 'a')), UsageError);
}

TEST_CASE("errors say what is wrong and on which input") {
  auto m = message_of("https://ghcr.io/a/b");
  CHECK(m.find("'https://ghcr.io/a/b'") != std::string::npos);
  CHECK(m.find("scheme") != std::string::npos);
  CHECK(message_of("a/b:bad!tag").find("invalid tag 'bad!tag'") != std::string::npos);
  CHECK(message_of("").find("empty") != std::string::npos);
  CHECK(message_of("a/b@sha256:12").find("invalid digest") != std::string::npos);
  CHECK(message_of("ex ample").find("whitespace") != std::string::npos);
}
