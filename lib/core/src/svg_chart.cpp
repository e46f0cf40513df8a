#include "coldstart/core/svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace coldstart {
namespace {

constexpr double kCharWidth = 7.0;  // ~ width of one 12 px sans-serif character, for layout

struct Range {
  double lo = 0, hi = 1;
};

bool usable(const ChartAxis& axis, double v) { return std::isfinite(v) && (axis.scale == AxisScale::linear || v > 0); }

double nice_step(double span, int target) {
  const double raw = span / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * mag) return m * mag;
  return 10 * mag;
}

// The nearest value of the form {1, 2, 5} x 10^k at or above (up) or at or below v > 0.
double step_125(double v, bool up) {
  const double mag = std::pow(10.0, std::floor(std::log10(v) + 1e-9));
  const double steps[] = {1, 2, 5, 10};
  if (up) {
    for (double m : steps)
      if (m * mag >= v * (1 - 1e-9)) return m * mag;
    return 10 * mag;
  }
  double best = mag;
  for (double m : steps)
    if (m * mag <= v * (1 + 1e-9)) best = m * mag;
  return best;
}

Range data_range(const ChartAxis& axis, const std::vector<ChartSeries>& series, bool is_x) {
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& s : series)
    for (double v : is_x ? s.x : s.y)
      if (usable(axis, v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (!std::isfinite(lo)) lo = axis.scale == AxisScale::log ? 1 : 0, hi = lo * 10 + 1;
  Range r{std::isnan(axis.min) ? lo : axis.min, std::isnan(axis.max) ? hi : axis.max};
  if (axis.scale == AxisScale::log) {
    // Widen to the nearest 1-2-5 step, not a whole decade: no empty decade beside the data.
    if (std::isnan(axis.min)) r.lo = step_125(r.lo, false);
    if (std::isnan(axis.max)) r.hi = step_125(r.hi, true);
    if (r.hi <= r.lo) r.hi = r.lo * 10;
  } else {
    if (std::isnan(axis.min) && lo >= 0) r.lo = 0;
    if (r.hi <= r.lo) r.hi = r.lo + 1;
    if (std::isnan(axis.max)) r.hi = std::ceil(r.hi / nice_step(r.hi - r.lo, 5) - 1e-9) * nice_step(r.hi - r.lo, 5);
  }
  return r;
}

std::vector<double> auto_ticks(const ChartAxis& axis, Range r) {
  std::vector<double> ticks;
  if (axis.scale == AxisScale::log) {
    const int from = static_cast<int>(std::floor(std::log10(r.lo) + 1e-9));
    const int to = static_cast<int>(std::ceil(std::log10(r.hi) - 1e-9));
    const bool dense = to - from <= 2;  // under two decades: also 2x and 5x
    for (int e = from; e <= to; ++e)
      for (double m : dense ? std::vector<double>{1, 2, 5} : std::vector<double>{1}) {
        const double v = m * std::pow(10.0, e);
        if (v >= r.lo * (1 - 1e-9) && v <= r.hi * (1 + 1e-9)) ticks.push_back(v);
      }
    return ticks;
  }
  const double step = nice_step(r.hi - r.lo, 5);
  for (double v = std::ceil(r.lo / step - 1e-9) * step; v <= r.hi + step * 1e-9; v += step) ticks.push_back(std::abs(v) < step * 1e-9 ? 0 : v);
  return ticks;
}

std::string tick_label(const ChartAxis& axis, double v) { return axis.format ? axis.format(v) : fmt::format("{:g}", v); }

// Maps a data value to 0..1 along the axis.
double fraction(const ChartAxis& axis, Range r, double v) {
  if (axis.scale == AxisScale::log) return (std::log10(v) - std::log10(r.lo)) / (std::log10(r.hi) - std::log10(r.lo));
  return (v - r.lo) / (r.hi - r.lo);
}

}  // namespace

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_svg(const Chart& c) {
  const Range xr = data_range(c.x, c.series, true), yr = data_range(c.y, c.series, false);
  const std::vector<double> xt = c.x.ticks.empty() ? auto_ticks(c.x, xr) : c.x.ticks;
  const std::vector<double> yt = c.y.ticks.empty() ? auto_ticks(c.y, yr) : c.y.ticks;
  std::size_t ylabel_chars = 1, legend_chars = 1;
  for (double v : yt) if (v >= yr.lo && v <= yr.hi) ylabel_chars = std::max(ylabel_chars, tick_label(c.y, v).size());
  for (const auto& s : c.series) legend_chars = std::max(legend_chars, s.name.size());
  for (const auto& b : c.bands) legend_chars = std::max(legend_chars, b.name.size());
  // Margins sized from the text they hold, so labels never run into the plot or off the canvas.
  const double left = 34 + kCharWidth * static_cast<double>(ylabel_chars);
  const double right = 40 + kCharWidth * static_cast<double>(legend_chars);
  const double top = c.subtitle.empty() ? 44 : 60, bottom = 52;
  const double pw = c.width - left - right, ph = c.height - top - bottom;
  auto px = [&](double v) { return left + pw * fraction(c.x, xr, v); };
  auto py = [&](double v) { return top + ph - ph * fraction(c.y, yr, v); };

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{2}\" y=\"24\" font-size=\"15\" font-weight=\"bold\">{3}</text>\n",
      c.width, c.height, left, xml_escape(c.title));
  if (!c.subtitle.empty())
    svg += fmt::format("<text x=\"{}\" y=\"42\" fill=\"#555\">{}</text>\n", left, xml_escape(c.subtitle));
  // Grid and tick labels.
  auto inside = [](Range r, double v) { return v >= r.lo - 1e-9 * std::abs(r.lo) && v <= r.hi + 1e-9 * std::abs(r.hi); };
  for (double v : yt) {
    if (!usable(c.y, v) || !inside(yr, v)) continue;
    const double y = py(v);
    svg += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#e4e4e4\"/>"
                       "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n",
                       left, y, left + pw, y, left - 6, y + 4, xml_escape(tick_label(c.y, v)));
  }
  for (double v : xt) {
    if (!usable(c.x, v) || !inside(xr, v)) continue;
    const double x = px(v);
    svg += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#e4e4e4\"/>"
                       "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n",
                       x, top, x, top + ph, x, top + ph + 16, xml_escape(tick_label(c.x, v)));
  }
  svg += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#444\"/>"
                     "<line x1=\"{0:.1f}\" y1=\"{2:.1f}\" x2=\"{3:.1f}\" y2=\"{2:.1f}\" stroke=\"#444\"/>\n",
                     left, top, top + ph, left + pw);
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", left + pw / 2, c.height - 10,
                     xml_escape(c.x.label));
  svg += fmt::format("<text x=\"14\" y=\"{0:.1f}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {0:.1f})\">{1}</text>\n",
                     top + ph / 2, xml_escape(c.y.label));
  // Bands under the lines: one polygon each, along the upper edge and back along the lower one
  // (where upper <= lower the two edges meet and nothing is filled).
  for (std::size_t k = 0; k < c.bands.size(); ++k) {
    const auto& b = c.bands[k];
    std::string forward, back;
    const std::size_t n = std::min({b.x.size(), b.lower.size(), b.upper.size()});
    for (std::size_t i = 0; i < n; ++i) {
      if (!usable(c.x, b.x[i]) || !usable(c.y, b.lower[i]) || !usable(c.y, b.upper[i])) continue;
      forward += fmt::format("{:.1f},{:.1f} ", px(b.x[i]), py(std::max(b.upper[i], b.lower[i])));
      back = fmt::format("{:.1f},{:.1f} ", px(b.x[i]), py(b.lower[i])) + back;
    }
    if (!forward.empty())
      svg += fmt::format("<polygon fill=\"{}\" fill-opacity=\"{}\" stroke=\"none\" points=\"{}{}\"/>\n", b.colour, b.opacity,
                         forward, back.substr(0, back.size() - 1));
    const double ly = top + 10 + 20 * static_cast<double>(c.series.size() + k);
    svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"20\" height=\"10\" fill=\"{}\" fill-opacity=\"{}\"/>"
                       "<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n",
                       c.width - right + 10, ly - 5, b.colour, b.opacity, c.width - right + 35, ly + 4, xml_escape(b.name));
  }
  // Lines, then the legend beside the plot.
  struct EndLabel {
    double x, y;
    std::string text, colour;
  };
  std::vector<EndLabel> end_labels;
  for (std::size_t k = 0; k < c.series.size(); ++k) {
    const auto& s = c.series[k];
    std::string points, dots;
    for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (!usable(c.x, s.x[i]) || !usable(c.y, s.y[i])) continue;
      points += fmt::format("{:.1f},{:.1f} ", px(s.x[i]), py(s.y[i]));
      if (s.markers) dots += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"/>", px(s.x[i]), py(s.y[i]), s.colour);
    }
    if (!points.empty()) points.pop_back();
    for (std::size_t i = std::min(s.x.size(), s.y.size()); i-- > 0 && !s.end_label.empty();)
      if (usable(c.x, s.x[i]) && usable(c.y, s.y[i])) {
        end_labels.push_back({px(s.x[i]), py(s.y[i]), s.end_label, s.colour});
        break;
      }
    const std::string dash = s.dash.empty() ? "" : " stroke-dasharray=\"" + s.dash + "\"";
    svg += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{} points=\"{}\"/>\n", s.colour, s.width, dash, points);
    if (!dots.empty()) svg += dots + "\n";
    const double ly = top + 10 + 20 * static_cast<double>(k);
    svg += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"{3}\" stroke-width=\"2.5\"{4}/>"
                       "<text x=\"{5:.1f}\" y=\"{6:.1f}\">{7}</text>\n",
                       c.width - right + 10, ly, c.width - right + 30, s.colour, dash, c.width - right + 35, ly + 4, xml_escape(s.name));
  }
  // End labels above-left of their point, pushed apart vertically so none overlaps another.
  std::sort(end_labels.begin(), end_labels.end(), [](const EndLabel& a, const EndLabel& b) { return a.y < b.y; });
  double previous = -INFINITY;
  for (auto& l : end_labels) {
    double y = std::max(l.y - 7, previous + 14);
    previous = y;
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\" fill=\"{}\" font-weight=\"bold\">{}</text>\n", l.x - 6, y,
                       l.colour, xml_escape(l.text));
  }
  return svg + "</svg>\n";
}

}  // namespace coldstart
