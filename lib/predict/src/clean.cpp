#include "coldstart/predict/clean.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <limits>

#include "coldstart/core/error.hpp"
#include "coldstart/core/units.hpp"
#include "coldstart/predict/timestamp.hpp"

namespace coldstart::predict {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kMaxSamples = 50'000'000;  // ~400 MB of doubles; beyond that the step is surely wrong

// Median of v (reorders v); v must not be empty. The upper middle for even sizes is enough here.
double median_of(std::vector<double>& v) {
  auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

// Median and scaled MAD (a robust standard deviation) of the finite values in v.
bool robust_band(std::vector<double>& v, double& median, double& sigma) {
  if (v.size() < 3) return false;
  median = median_of(v);
  for (auto& x : v) x = std::fabs(x - median);
  sigma = 1.4826 * median_of(v);
  return sigma > 0;
}

// Clips samples outside median ± k·sigma of their window; NaN samples are skipped.
std::size_t clip_outliers(std::vector<double>& values, double k, std::size_t window) {
  if (k <= 0 || values.empty()) return 0;
  std::size_t n = values.size(), clipped = 0;
  std::vector<double> scratch;
  if (window == 0 || window >= n) {
    for (double x : values)
      if (!std::isnan(x)) scratch.push_back(x);
    double median = 0, sigma = 0;
    if (!robust_band(scratch, median, sigma)) return 0;
    for (auto& x : values) {
      if (std::isnan(x)) continue;
      double c = std::clamp(x, median - k * sigma, median + k * sigma);
      if (c != x) ++clipped, x = c;
    }
    return clipped;
  }
  // Bands come from the original values, so one clipped spike does not move its neighbours' band.
  // The window slides over a sorted copy: each step is one insert and one erase, and the MAD
  // is read off the sorted values by walking outwards from the median, O(window) in all.
  std::size_t half = window / 2;
  std::vector<double> lo(n, kNaN), hi(n, kNaN);
  std::vector<double> sorted;
  auto insert = [&](double x) {
    if (!std::isnan(x)) sorted.insert(std::upper_bound(sorted.begin(), sorted.end(), x), x);
  };
  auto erase = [&](double x) {
    if (!std::isnan(x)) sorted.erase(std::lower_bound(sorted.begin(), sorted.end(), x));
  };
  for (std::size_t j = 0; j < std::min(n, half + 1); ++j) insert(values[j]);  // window of sample 0
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) {
      if (i + half < n) insert(values[i + half]);
      if (i > half) erase(values[i - half - 1]);
    }
    if (std::isnan(values[i]) || sorted.size() < 3) continue;
    const std::size_t m = sorted.size(), mid = m / 2;
    const double median = sorted[mid];
    // The (m/2)-th smallest |x - median|: merge the deviations on both sides of the median.
    std::size_t l = mid, r = mid + 1;  // next candidates: sorted[l-1] on the left, sorted[r] on the right
    double deviation = 0;
    for (std::size_t rank = 1; rank <= m / 2; ++rank) {
      double dl = l > 0 ? median - sorted[l - 1] : INFINITY, dr = r < m ? sorted[r] - median : INFINITY;
      if (dl <= dr) deviation = dl, --l;
      else deviation = dr, ++r;
    }
    const double sigma = 1.4826 * deviation;
    if (sigma <= 0) continue;
    lo[i] = median - k * sigma;
    hi[i] = median + k * sigma;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isnan(values[i]) || std::isnan(lo[i])) continue;
    double c = std::clamp(values[i], lo[i], hi[i]);
    if (c != values[i]) ++clipped, values[i] = c;
  }
  return clipped;
}

}  // namespace

Series clean_points(std::vector<Point> points, const std::string& name, const CleaningOptions& options,
                    CleaningReport& report) {
  report = CleaningReport{};
  report.points_read = points.size();

  // 1. Sort (stable, so duplicates keep file order).
  auto by_time = [](const Point& a, const Point& b) { return a.timestamp < b.timestamp; };
  if (!std::is_sorted(points.begin(), points.end(), by_time)) {
    report.was_unsorted = true;
    std::stable_sort(points.begin(), points.end(), by_time);
  }

  // 2. The input interval: the median between distinct timestamps, NaN samples included, since
  //    they still show the sampling cadence. The lower middle, so a few gaps never double it.
  {
    std::vector<std::int64_t> gaps;
    gaps.reserve(points.size());
    for (std::size_t i = 1; i < points.size(); ++i)
      if (points[i].timestamp != points[i - 1].timestamp) gaps.push_back(points[i].timestamp - points[i - 1].timestamp);
    if (!gaps.empty()) {
      auto mid = gaps.begin() + static_cast<std::ptrdiff_t>((gaps.size() - 1) / 2);
      std::nth_element(gaps.begin(), mid, gaps.end());
      report.input_interval = *mid;
    }
  }

  // 3. Drop NaN/Inf (resampling expresses "no sample here" by itself), then average duplicates.
  auto finite_end = std::remove_if(points.begin(), points.end(), [](const Point& p) { return !std::isfinite(p.value); });
  report.non_finite = static_cast<std::size_t>(points.end() - finite_end);
  points.erase(finite_end, points.end());
  if (points.empty())
    throw Error(fmt::format("{}: no finite values among {} points", name, report.points_read),
                "check the value column or the query");
  std::size_t out = 0;
  for (std::size_t i = 0; i < points.size();) {
    std::size_t j = i;
    double sum = 0;
    while (j < points.size() && points[j].timestamp == points[i].timestamp) sum += points[j++].value;
    report.duplicates += j - i - 1;
    points[out++] = {points[i].timestamp, sum / static_cast<double>(j - i)};
    i = j;
  }
  points.resize(out);

  // 4. Step: forced, or the input interval.
  if (options.step < 0) throw UsageError(fmt::format("step must be positive, got {}s", options.step));
  if (options.step > 0) {
    report.step = options.step;
  } else if (report.input_interval > 0) {
    report.step = report.input_interval;
    report.step_inferred = true;
  } else {
    throw Error(fmt::format("{}: only one point, so the step cannot be inferred", name),
                "give more history, or pass --step");
  }
  if (report.input_interval <= 0) report.input_interval = report.step;
  const std::int64_t step = report.step;

  // 5. Resample onto start + k·step: each raw point goes to its nearest grid sample; several
  //    points in one sample (downsampling, jitter) are averaged.
  const std::int64_t start = points.front().timestamp;
  const std::int64_t span = points.back().timestamp - start;
  const std::size_t n = static_cast<std::size_t>((span + step / 2) / step) + 1;
  if (n > kMaxSamples)
    throw Error(fmt::format("{}: {} of data at a {}s step would be {} samples", name, format_duration(static_cast<double>(span)), step, n),
                "pass a larger --step");
  // An inferred step is the typical interval, so a grid that is nearly all holes means a few
  // points close together among far-apart ones: refuse before it costs memory in every stage.
  if (report.step_inferred && n > 10000 && n / 100 > points.size())
    throw Error(fmt::format("{}: {} points over {} at the inferred {}s step would be {} samples, over 99% of them missing",
                            name, points.size(), format_duration(static_cast<double>(span)), step, n),
                "pass --step with the series' real sampling interval");
  std::vector<double> values(n, 0.0);
  std::vector<std::uint32_t> counts(n, 0);
  for (const auto& p : points) {
    std::size_t k = static_cast<std::size_t>((p.timestamp - start + step / 2) / step);
    values[k] += p.value;
    ++counts[k];
  }
  for (std::size_t k = 0; k < n; ++k) {
    if (counts[k] == 0) {
      values[k] = kNaN;
    } else if (counts[k] > 1) {
      values[k] /= counts[k];
      report.merged += counts[k] - 1;
    }
  }

  // 6. Clip gross outliers before filling, so an interpolation never leans on a spike.
  report.outlier_k = options.outlier_mad_k;
  report.outlier_window = options.outlier_window;
  report.outliers_clipped = clip_outliers(values, options.outlier_mad_k, options.outlier_window);

  // 7. Fill missing runs. A run no longer than the input interval is upsampling, not a gap.
  //    A real gap is filled linearly when it spans at most max_fill_steps missing samples
  //    (counted at the coarser of step and input interval); longer ones stay NaN.
  const double unit = static_cast<double>(std::max(step, report.input_interval));
  for (std::size_t i = 1; i < n;) {
    if (!std::isnan(values[i])) {
      ++i;
      continue;
    }
    std::size_t left = i - 1, right = i;
    while (right < n && std::isnan(values[right])) ++right;  // the last sample always has data
    std::size_t missing = right - left - 1;
    double span_seconds = static_cast<double>((right - left) * static_cast<std::size_t>(step));
    bool upsampling = span_seconds <= 1.5 * static_cast<double>(report.input_interval) &&
                      report.input_interval > step;
    bool fill = upsampling || span_seconds <= static_cast<double>(options.max_fill_steps + 1) * unit;
    if (fill) {
      double a = values[left], b = values[right];
      for (std::size_t j = left + 1; j < right; ++j)
        values[j] = a + (b - a) * static_cast<double>(j - left) / static_cast<double>(right - left);
      if (upsampling) {
        report.samples_interpolated += missing;
      } else {
        ++report.gaps_filled;
        report.samples_filled += missing;
      }
    } else {
      ++report.long_gaps;
      report.long_gap_samples += missing;
      report.long_gap_list.push_back({start + static_cast<std::int64_t>(left + 1) * step, missing});
    }
    i = right;
  }

  report.samples = n;
  Series series;
  series.name = name;
  series.start = start;
  series.step = step;
  series.values = std::move(values);
  return series;
}

nlohmann::ordered_json to_json(const CleaningReport& r) {
  nlohmann::ordered_json gaps = nlohmann::ordered_json::array();
  for (const auto& g : r.long_gap_list)
    gaps.push_back({{"start", g.start},
                    {"start_iso", format_iso_time(g.start)},
                    {"samples", g.samples},
                    {"seconds", static_cast<double>(g.samples) * static_cast<double>(r.step)}});
  return {
      {"points_read", r.points_read},
      {"non_finite", r.non_finite},
      {"was_unsorted", r.was_unsorted},
      {"duplicates", r.duplicates},
      {"merged", r.merged},
      {"step_seconds", static_cast<double>(r.step)},
      {"step_inferred", r.step_inferred},
      {"input_interval_seconds", static_cast<double>(r.input_interval)},
      {"samples", r.samples},
      {"samples_interpolated", r.samples_interpolated},
      {"gaps_filled", r.gaps_filled},
      {"samples_filled", r.samples_filled},
      {"long_gaps", r.long_gaps},
      {"long_gap_samples", r.long_gap_samples},
      {"long_gap_list", gaps},
      {"outliers_clipped", r.outliers_clipped},
      {"outlier_k", r.outlier_k},
      {"outlier_window", r.outlier_window},
  };
}

std::string summarize(const CleaningReport& r) {
  std::string s = fmt::format("read {} points -> {} samples at a {}s step{}", r.points_read, r.samples, r.step,
                              r.step_inferred ? " (inferred)" : "");
  if (r.non_finite) s += fmt::format("; {} NaN/Inf dropped", r.non_finite);
  if (r.was_unsorted) s += "; sorted by time";
  if (r.duplicates) s += fmt::format("; {} duplicate timestamps averaged", r.duplicates);
  if (r.merged) s += fmt::format("; {} points averaged into shared samples", r.merged);
  if (r.samples_interpolated) s += fmt::format("; {} samples interpolated (upsampling)", r.samples_interpolated);
  s += fmt::format("; {} gaps filled ({} samples)", r.gaps_filled, r.samples_filled);
  if (r.long_gaps) {
    s += fmt::format("; {} long gaps left missing ({} samples", r.long_gaps, r.long_gap_samples);
    if (!r.long_gap_list.empty()) s += ", first at " + format_iso_time(r.long_gap_list.front().start);
    s += ")";
  }
  s += fmt::format("; {} outliers clipped", r.outliers_clipped);
  return s;
}

}  // namespace coldstart::predict
