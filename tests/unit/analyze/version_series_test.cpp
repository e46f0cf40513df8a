#include <doctest/doctest.h>

#include "coldstart/analyze/version_series.hpp"
#include "series_fixture.hpp"

using namespace coldstart;
using namespace coldstart::image;
using namespace coldstart::analyze;

TEST_CASE("image names split into repository and tag, keeping the transport") {
  CHECK(split_image_name("oci:examples/images/aigc:v1").repository == "oci:examples/images/aigc");
  CHECK(split_image_name("oci:examples/images/aigc:v1").tag == "v1");
  CHECK(split_image_name("oci:examples/images/aigc").tag == "");
  CHECK(split_image_name("127.0.0.1:5000/aigc/sd:v2").repository == "127.0.0.1:5000/aigc/sd");
  CHECK(split_image_name("127.0.0.1:5000/aigc/sd").tag == "");
  CHECK(split_image_name("127.0.0.1:5000/aigc/sd").repository == "127.0.0.1:5000/aigc/sd");
  CHECK(split_image_name("docker://r.io/a@sha256:abc").repository == "docker://r.io/a");
  CHECK(split_image_name("docker://r.io/a@sha256:abc").tag == "sha256:abc");
  CHECK(image_with_tag(split_image_name("docker://127.0.0.1:5000/a/b"), "v4") == "docker://127.0.0.1:5000/a/b:v4");
}

TEST_CASE("created timestamps parse with offsets and fractions") {
  CHECK(parse_created("1970-01-01T00:00:10Z").value() == doctest::Approx(10));
  CHECK(parse_created("1970-01-01T01:00:10+01:00").value() == doctest::Approx(10));
  CHECK(parse_created("1970-01-01T00:00:10.5Z").value() == doctest::Approx(10.5));
  CHECK_FALSE(parse_created("").has_value());
  CHECK_FALSE(parse_created("yesterday").has_value());
  CHECK_FALSE(parse_created("2024-13-01T00:00:00Z").has_value());
}

TEST_CASE("versions group by repository and sort by created") {
  auto v3 = test::aigc_version(3), v1 = test::aigc_version(1), other = test::aigc_version(1, "oci:llm");
  auto v2 = test::aigc_version(2);
  v2.created = "2024-01-01T12:00:00+00:00";  // between v1 and v3
  auto series = group_into_series({v3, other, v1, v2});
  REQUIRE(series.size() == 2);
  CHECK(series[0].repository == "oci:examples/images/aigc");
  REQUIRE(series[0].versions.size() == 3);
  CHECK(series[0].versions[0].tag == "v1");
  CHECK(series[0].versions[1].tag == "v2");
  CHECK(series[0].newest().tag == "v3");
  CHECK(series[1].repository == "oci:llm");
}

TEST_CASE("undated versions keep the order given") {
  auto a = test::aigc_version(2), b = test::aigc_version(1);
  a.created.clear();
  auto series = group_into_series({a, b});
  CHECK(series[0].versions[0].tag == "v2");
}

TEST_CASE("newest_versions keeps the N newest, oldest first") {
  std::vector<ImageVersion> all;
  for (int v : {4, 1, 5, 2, 3}) all.push_back(test::aigc_version(v));
  auto kept = newest_versions(all, 3);
  REQUIRE(kept.size() == 3);
  CHECK(kept[0].tag == "v3");
  CHECK(kept[2].tag == "v5");
}

TEST_CASE("a resolved image becomes a version with diff_ids and aligned history") {
  ResolvedImage r;
  r.reference = "oci:dir/app:v7";
  r.manifest_digest = sha256_digest("m");
  r.manifest.layers = {{"application/vnd.oci.image.layer.v1.tar+gzip", sha256_digest("a"), 10},
                       {"application/vnd.oci.image.layer.v1.tar+gzip", sha256_digest("b"), 20}};
  r.config.diff_ids = {sha256_digest("da"), sha256_digest("db")};
  r.config.history = {{"", "ADD a", "", false}, {"", "ENV X=1", "", true}, {"", "COPY b", "", false}};
  auto v = make_image_version(r);
  CHECK(v.repository == "oci:dir/app");
  CHECK(v.tag == "v7");
  REQUIRE(v.layers.size() == 2);
  CHECK(v.layers[0].id == sha256_digest("da"));
  CHECK(v.layers[1].created_by == "COPY b");
  CHECK(v.size() == 30);
  r.config.diff_ids.pop_back();  // no usable diff_ids: fall back to blob digests
  CHECK(make_image_version(r).layers[0].id == sha256_digest("a"));
}

TEST_CASE("build steps are shortened the way people write them") {
  CHECK(short_step("RUN /bin/sh -c pip check # buildkit") == "RUN pip check");
  CHECK(short_step("/bin/sh -c #(nop) ADD file:abc in / ") == "ADD file:abc in /");
  CHECK(short_step("/bin/sh -c apt-get update") == "RUN apt-get update");
  CHECK(short_step("COPY models/ /models/ # buildkit") == "COPY models/ /models/");
  CHECK(short_step("RUN echo 0123456789", 10) == "RUN ech...");
  CHECK(short_step("") == "");
}
