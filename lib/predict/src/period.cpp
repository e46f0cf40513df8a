#include "coldstart/predict/period.hpp"

#include "coldstart/predict/forecast.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <numeric>
#include <random>

namespace coldstart::predict {
namespace {

constexpr double kDay = 86400, kWeek = 7 * 86400;

// In-place iterative radix-2 FFT; size must be a power of two.
void fft(std::vector<std::complex<double>>& a) {
  const std::size_t n = a.size();
  for (std::size_t i = 1, j = 0; i < n; ++i) {
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (std::size_t len = 2; len <= n; len <<= 1) {
    const double angle = -2 * M_PI / static_cast<double>(len);
    const std::complex<double> wlen(std::cos(angle), std::sin(angle));
    for (std::size_t i = 0; i < n; i += len) {
      std::complex<double> w(1);
      for (std::size_t k = 0; k < len / 2; ++k) {
        auto u = a[i + k], v = a[i + k + len / 2] * w;
        a[i + k] = u + v;
        a[i + k + len / 2] = u - v;
        w *= wlen;
      }
    }
  }
}

// |X_k|^2 for k in [0, n/2], zero-padded to `padded`.
std::vector<double> periodogram(const std::vector<double>& x, std::size_t padded) {
  std::vector<std::complex<double>> a(padded);
  for (std::size_t i = 0; i < x.size(); ++i) a[i] = x[i];
  fft(a);
  std::vector<double> p(padded / 2 + 1);
  for (std::size_t k = 0; k < p.size(); ++k) p[k] = std::norm(a[k]);
  return p;
}

// Subtracts the least-squares line so a trend does not look like a very long period.
void detrend(std::vector<double>& x) {
  const double n = static_cast<double>(x.size());
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    double t = static_cast<double>(i);
    sx += t, sy += x[i], sxx += t * t, sxy += t * x[i];
  }
  double den = n * sxx - sx * sx;
  double slope = den != 0 ? (n * sxy - sx * sy) / den : 0;
  double icpt = (sy - slope * sx) / n;
  for (std::size_t i = 0; i < x.size(); ++i) x[i] -= icpt + slope * static_cast<double>(i);
}

double autocorrelation(const std::vector<double>& x, std::size_t lag) {
  if (lag >= x.size()) return 0;
  double var = 0, cov = 0;
  for (double v : x) var += v * v;
  for (std::size_t i = 0; i + lag < x.size(); ++i) cov += x[i] * x[i + lag];
  if (var <= 0) return 0;
  // Unbiased for the shorter overlap, so long lags are not penalised just for being long.
  return cov / (x.size() - lag) / (var / x.size());
}

}  // namespace

const DetectedPeriod* PeriodResult::primary() const {
  for (const auto& p : periods)
    if (p.label == "weekly") return &p;
  for (const auto& p : periods)
    if (p.label == "daily") return &p;
  return periods.empty() ? nullptr : &periods.front();
}

PeriodResult detect_periods(const Series& series, const PeriodOptions& options) {
  PeriodResult result;
  result.history_seconds = series.duration_seconds();
  result.p_value = 1.0 / (options.permutations + 1);
  const double days = result.history_seconds / kDay;
  if (result.history_seconds < 2 * kDay)
    result.notes.push_back(fmt::format("daily period not testable: {:.1f} days of history, need at least 2", days));
  if (result.history_seconds < 2 * kWeek)
    result.notes.push_back(fmt::format("weekly period not testable: {:.1f} days of history, need at least 14", days));

  std::vector<double> raw = interpolate_missing(series.values);
  if (std::all_of(raw.begin(), raw.end(), [](double v) { return std::isnan(v); })) raw.clear();
  // Block-average down to at most max_points samples: enough resolution for daily/weekly cycles.
  const std::size_t factor = std::max<std::size_t>(1, (raw.size() + options.max_points - 1) / options.max_points);
  std::vector<double> x;
  for (std::size_t i = 0; i + factor <= raw.size(); i += factor)
    x.push_back(std::accumulate(raw.begin() + static_cast<long>(i), raw.begin() + static_cast<long>(i + factor), 0.0) /
                static_cast<double>(factor));
  const double dt = static_cast<double>(series.step) * static_cast<double>(factor);
  if (x.size() < 16) {
    result.notes.push_back(fmt::format("too few samples ({}) to look for a period", series.values.size()));
    return result;
  }
  detrend(x);
  std::size_t padded = 1;
  while (padded < x.size()) padded <<= 1;
  // Frequencies whose period lies between 4 samples and half the history (2 full cycles).
  const double n = static_cast<double>(x.size());
  auto k_of = [&](double period_samples) { return static_cast<double>(padded) / period_samples; };
  const std::size_t k_lo = static_cast<std::size_t>(std::ceil(k_of(n / 2)));
  const std::size_t k_hi = std::min(padded / 2, static_cast<std::size_t>(std::floor(k_of(4))));
  if (k_lo > k_hi) return result;

  const auto power = periodogram(x, padded);
  // Permutation test: shuffling keeps the values but destroys any order, so the largest peak of a
  // shuffled series is what chance alone produces.
  std::mt19937_64 rng(options.seed);
  double threshold = 0;
  std::vector<double> shuffled = x;
  for (int p = 0; p < options.permutations; ++p) {
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    auto sp = periodogram(shuffled, padded);
    threshold = std::max(threshold, *std::max_element(sp.begin() + static_cast<long>(k_lo), sp.begin() + static_cast<long>(k_hi) + 1));
  }
  if (threshold <= 0) return result;  // constant series

  struct Peak { std::size_t k; double power; };
  std::vector<Peak> peaks;
  for (std::size_t k = k_lo; k <= k_hi; ++k) {
    bool local = (k == 0 || power[k] >= power[k - 1]) && (k + 1 >= power.size() || power[k] >= power[k + 1]);
    if (local && power[k] > threshold) peaks.push_back({k, power[k]});
  }
  std::sort(peaks.begin(), peaks.end(), [](const Peak& a, const Peak& b) { return a.power > b.power; });
  if (peaks.size() > 8) peaks.resize(8);

  auto confirm = [&](double lag_seconds, double power_ratio, const std::string& label) {
    // Autocorrelation must peak near the lag (±10 %) and beat the half-period lag, which
    // rejects red noise whose autocorrelation only decays.
    std::size_t centre = static_cast<std::size_t>(std::lround(lag_seconds / dt));
    if (centre < 2 || centre * 2 > x.size()) return;
    std::size_t lo = std::max<std::size_t>(2, centre - centre / 10), hi = std::min(x.size() / 2, centre + centre / 10);
    std::size_t best = centre;
    double best_acf = autocorrelation(x, centre);
    if (label == "free")
      for (std::size_t lag = lo; lag <= hi; ++lag)
        if (double a = autocorrelation(x, lag); a > best_acf) best_acf = a, best = lag;
    double half = autocorrelation(x, best / 2);
    if (best_acf < options.min_autocorrelation || best_acf <= half) return;
    double seconds = label == "free" ? static_cast<double>(best) * dt : lag_seconds;
    for (const auto& p : result.periods)
      if (std::abs(p.seconds - seconds) < 0.1 * seconds) return;
    // Harmonics (a daily profile also has 12 h, 8 h... peaks) are not periods of their own.
    if (label == "free")
      for (const auto& p : result.periods) {
        double m = p.seconds / seconds;
        if (m > 1.5 && std::abs(m - std::round(m)) < 0.08 * std::round(m)) return;
      }
    DetectedPeriod d;
    d.seconds = seconds;
    d.label = label;
    d.power_ratio = power_ratio;
    d.autocorrelation = best_acf;
    d.confidence = std::clamp(best_acf * std::min(1.0, power_ratio / 2), 0.0, 1.0);
    result.periods.push_back(d);
  };

  // Named periods first (so 12 h is a harmonic of daily, not the reverse), then free ones.
  auto peak_near = [&](double seconds) {
    double best = 0;
    for (const auto& pk : peaks) {
      double s = static_cast<double>(padded) / static_cast<double>(pk.k) * dt;
      if (std::abs(s - seconds) < 0.1 * seconds) best = std::max(best, pk.power / threshold);
    }
    return best;
  };
  if (result.history_seconds >= 2 * kWeek)
    if (double r = peak_near(kWeek); r > 1) confirm(kWeek, r, "weekly");
  if (result.history_seconds >= 2 * kDay)
    if (double r = peak_near(kDay); r > 1) confirm(kDay, r, "daily");
  for (const auto& pk : peaks) {
    double s = static_cast<double>(padded) / static_cast<double>(pk.k) * dt;
    if (std::abs(s - kDay) < 0.1 * kDay || std::abs(s - kWeek) < 0.1 * kWeek) continue;
    confirm(s, pk.power / threshold, "free");
  }
  std::stable_sort(result.periods.begin(), result.periods.end(),
                   [](const DetectedPeriod& a, const DetectedPeriod& b) { return a.confidence > b.confidence; });
  return result;
}

}  // namespace coldstart::predict
