#include <doctest/doctest.h>

#include "coldstart/core/progress.hpp"

using coldstart::ProgressBar;

TEST_CASE("progress line: bar, bytes, rate, ETA and label within the width") {
  std::string line = ProgressBar::render(512ull << 20, 1024ull << 20, 2.0, "layer 3ad0e0cb0a1f", 100);
  auto bar_end = line.find(']');
  REQUIRE(bar_end != std::string::npos);
  CHECK(line.starts_with("[====="));
  CHECK(line.find('>') == bar_end / 2);  // half done: the arrow sits mid-bar
  CHECK(line.find("512.0 MiB") != std::string::npos);
  CHECK(line.find("1.0 GiB") != std::string::npos);
  CHECK(line.find("256.0 MiB/s") != std::string::npos);
  CHECK(line.find("ETA 2.00s") != std::string::npos);
  CHECK(line.find("layer 3ad0e0cb0a1f") != std::string::npos);
  CHECK(ProgressBar::render(1, 2, 1.0, std::string(300, 'x'), 80).size() == 80);
  CHECK(ProgressBar::render(0, 0, 0, "", 80).find("ETA -") != std::string::npos);
}

TEST_CASE("a disabled bar does nothing") {
  ProgressBar bar(100, false);
  bar.add(50);
  bar.draw(true);
  bar.clear();
  CHECK_FALSE(bar.enabled());
}

TEST_CASE("plain progress lines name the work, bytes, share, rate and ETA") {
  std::string line = ProgressBar::render_line("coldstart: analyze --deep x", 512 * 1024, 2048 * 1024, 1.0, "layer 1/4");
  CHECK(line == "coldstart: analyze --deep x: 512.0 KiB / 2.0 MiB (25%), 512.0 KiB/s, ETA 3.00s, layer 1/4");
  CHECK(ProgressBar::render_line("w", 10, 10, 1.0, "").find("(100%)") != std::string::npos);
}
