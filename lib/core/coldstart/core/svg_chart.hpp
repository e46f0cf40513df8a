// One small SVG line-chart writer shared by every command that draws (ahpa backtest, bench
// simulate): line series, axes with units and ticks, linear or log scales, a legend, a title.
// Output is standalone SVG (white background, no scripts, no external fonts).
#pragma once
#include <cmath>
#include <functional>
#include <string>
#include <vector>

namespace coldstart {

enum class AxisScale { linear, log };

struct ChartAxis {
  std::string label;                       // with its unit, e.g. "nodes", "time (s)"
  AxisScale scale = AxisScale::linear;
  // Ticks at these values; empty: chosen automatically (1-2-5 steps, or powers of ten on log).
  std::vector<double> ticks;
  std::function<std::string(double)> format;  // tick label; empty: {:g}
  // Range; NaN: from the data (linear axes start at 0 when all data is >= 0).
  double min = NAN, max = NAN;
};

struct ChartSeries {
  std::string name;                        // legend text
  std::string colour = "#1f77b4";
  std::string dash;                        // SVG stroke-dasharray, "" = solid
  double width = 1.5;
  bool markers = false;                    // a dot at each point (sparse data)
  std::vector<double> x, y;                // same length; points outside a log axis (<= 0) are dropped
  std::string end_label;                   // written beside the last point ("" = none), e.g. its value
};

// A shaded area between two curves where upper > lower (e.g. demand above ready capacity),
// drawn under the lines and listed in the legend after them.
struct ChartBand {
  std::string name;
  std::string colour = "#d62728";
  double opacity = 0.25;
  std::vector<double> x, lower, upper;     // same length
};

struct Chart {
  std::string title;
  std::string subtitle;                    // one line under the title ("" = none)
  double width = 960, height = 420;
  ChartAxis x, y;
  std::vector<ChartSeries> series;
  std::vector<ChartBand> bands;
};

// The chart as an SVG document (ends with a newline).
std::string render_svg(const Chart& chart);

// &, <, >, " and ' escaped for SVG/XML text and attributes.
std::string xml_escape(const std::string& text);

}  // namespace coldstart
