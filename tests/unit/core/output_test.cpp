#include <doctest/doctest.h>

#include <sstream>

#include "coldstart/core/error.hpp"
#include "coldstart/core/one_line.hpp"
#include "coldstart/core/output.hpp"

using namespace coldstart;

TEST_CASE("tables align columns and render markdown") {
  Table t({{"LAYER"}, {"SIZE", Align::right}});
  t.add_row({"base", "1.0 GiB"});
  t.add_row({"app", "12 B"});
  CHECK(t.render_text() == "LAYER     SIZE\nbase   1.0 GiB\napp       12 B\n");
  CHECK(t.render_markdown() == "| LAYER | SIZE |\n| --- | ---: |\n| base | 1.0 GiB |\n| app | 12 B |\n");
}

TEST_CASE("a table cell stays one line of plain text: control bytes are shown escaped") {
  Table t({{"path"}, {"size", Align::right}});
  t.add_row({"a\nb\tc\x1b[31mred", "1"});
  const std::string text = t.render_text();
  CHECK(text == "path                size\na\\nb\\tc\\x1b[31mred     1\n");
  CHECK(t.render_markdown().find("a\\nb\\tc\\x1b[31mred") != std::string::npos);
}

TEST_CASE("one_line: control bytes escaped, everything else (UTF-8 included) kept") {
  CHECK(one_line("plain ≥ text") == "plain ≥ text");
  CHECK(one_line("a\nb") == "a\\nb");
  CHECK(one_line(std::string("nul\0end", 7)) == "nul\\x00end");
  CHECK(one_line("del\x7f") == "del\\x7f");
}

TEST_CASE("yaml keeps key order and quotes ambiguous strings") {
  nlohmann::ordered_json j;
  j["name"] = "web";
  j["enabled"] = "true";
  j["version"] = "1.0";
  j["count"] = 3;
  j["items"] = {"a", "b"};
  CHECK(json_to_yaml(j) == "name: web\nenabled: \"true\"\nversion: \"1.0\"\ncount: 3\nitems:\n  - a\n  - b\n");
  // YAML 1.1 readers would type these as a timestamp, a sexagesimal and a boolean.
  nlohmann::ordered_json k;
  k["at"] = "2015-02-01 00:00:00";
  k["t"] = "1:30";
  k["flag"] = "yes";
  k["cron"] = "0 8 * * *";
  CHECK(json_to_yaml(k) == "at: \"2015-02-01 00:00:00\"\nt: \"1:30\"\nflag: \"yes\"\ncron: \"0 8 * * *\"\n");
}

TEST_CASE("output formats parse") {
  CHECK(parse_output_format("json") == OutputFormat::json);
  CHECK(parse_output_format("md") == OutputFormat::markdown);
  CHECK_THROWS_AS(parse_output_format("xml"), UsageError);
}

TEST_CASE("names that are not UTF-8 (tar paths are bytes) print as U+FFFD in JSON and YAML") {
  nlohmann::ordered_json doc = {{"path", std::string("bad-\xff-name")}, {std::string("k\xfe"), 1}};
  std::string json = json_to_text(doc);
  CHECK(json.find("bad-\xef\xbf\xbd-name") != std::string::npos);
  CHECK(nlohmann::json::parse(json)["path"] == "bad-\xef\xbf\xbd-name");
  std::string yaml = json_to_yaml(doc);
  CHECK(yaml.find("bad-\xef\xbf\xbd-name") != std::string::npos);
  CHECK(yaml.find("k\xef\xbf\xbd") != std::string::npos);
}

TEST_CASE("tables fit a width by cutting the widest column in the middle") {
  CHECK(truncate_middle("sha256:0123456789abcdef", 11) == "sha25\u2026bcdef");
  CHECK(truncate_middle("short", 11) == "short");
  CHECK(truncate_middle("\u2265\u2265\u2265\u2265\u2265", 3) == "\u2265\u2026\u2265");  // counts code points
  Table t({{"IMAGE"}, {"DIGEST"}, {"SIZE", Align::right}});
  t.add_row({"registry.example.com/team/a-very-long-repository-name:v1", "sha256:" + std::string(64, 'a'), "1.0 GiB"});
  std::string whole = t.render_text();
  CHECK(whole.find(std::string(64, 'a')) != std::string::npos);
  set_table_width(80);
  std::string fitted = t.render_text();
  set_table_width(0);
  std::istringstream lines(fitted);
  for (std::string line; std::getline(lines, line);) {
    std::size_t width = 0;
    for (unsigned char c : line) width += (c & 0xC0) != 0x80;
    CHECK(width <= 80);
  }
  CHECK(fitted.find("\u2026") != std::string::npos);
  CHECK(fitted.find("1.0 GiB") != std::string::npos);  // narrow columns stay whole
  CHECK(t.render_text() == whole);                      // 0 = no limit again
}
