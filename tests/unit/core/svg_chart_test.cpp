// The shared SVG chart: ticks on linear and log axes, escaping, one polyline per series.
#include <doctest/doctest.h>

#include <cmath>

#include "coldstart/core/svg_chart.hpp"

using namespace coldstart;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("log axes tick at powers of ten and drop points they cannot show") {
  Chart c;
  c.title = "a < b & \"c\"";
  c.x.scale = AxisScale::log;
  c.x.label = "nodes";
  c.y.scale = AxisScale::log;
  c.series.push_back({"one", "#000", "", 1.5, true, {1, 10, 100, 1000}, {5, 50, 500, 0}, ""});
  c.series.push_back({"two", "#f00", "4 2", 1.5, false, {1, 1000}, {20, 20}, ""});
  const std::string svg = render_svg(c);
  CHECK(svg.find("a &lt; b &amp; &quot;c&quot;") != std::string::npos);
  CHECK(count(svg, "<polyline") == 2);
  CHECK(count(svg, "<circle") == 3);  // y = 0 has no place on a log axis
  for (const char* tick : {">1<", ">10<", ">100<", ">1000<"}) CHECK(svg.find(tick) != std::string::npos);
  CHECK(svg.find("stroke-dasharray=\"4 2\"") != std::string::npos);
  CHECK(svg.rfind("</svg>\n") == svg.size() - 7);
}

TEST_CASE("linear axes start at zero with 1-2-5 steps; explicit ticks outside the range are skipped") {
  Chart c;
  c.y.format = [](double v) { return "v" + std::to_string(static_cast<int>(v)); };
  c.x.ticks = {0, 5, 10, 99};
  c.series.push_back({"s", "#000", "", 1.5, false, {0, 10}, {3, 87}, ""});
  const std::string svg = render_svg(c);
  for (const char* tick : {">v0<", ">v20<", ">v40<", ">v80<", ">v100<"}) CHECK(svg.find(tick) != std::string::npos);
  CHECK(svg.find(">99<") == std::string::npos);
  CHECK(svg.find(">5<") != std::string::npos);
}

TEST_CASE("xml_escape") { CHECK(xml_escape("<a href='x'>&</a>") == "&lt;a href=&apos;x&apos;&gt;&amp;&lt;/a&gt;"); }

TEST_CASE("end labels of lines that end together are pushed apart") {
  Chart c;
  c.series.push_back({"a", "#000", "", 1.5, false, {0, 1}, {1, 5}, "five"});
  c.series.push_back({"b", "#f00", "", 1.5, false, {0, 1}, {2, 5}, "also five"});
  const std::string svg = render_svg(c);
  auto y_of = [&](const std::string& text) {
    const auto end = svg.find(">" + text + "<");
    REQUIRE(end != std::string::npos);
    const auto y = svg.rfind(" y=\"", end);
    return std::stod(svg.substr(y + 4));
  };
  CHECK(std::abs(y_of("five") - y_of("also five")) >= 14);
}
