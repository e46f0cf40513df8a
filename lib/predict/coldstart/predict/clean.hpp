// Cleaning raw metric points into a predict::Series: sort, merge duplicates, resample to a fixed
// step, fill short gaps linearly, keep long gaps as NaN, clip gross outliers, and report each step.
#pragma once
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "coldstart/predict/series.hpp"

namespace coldstart::predict {

struct CleaningOptions {
  std::int64_t step = 0;             // output step in seconds; 0 = the median interval of the input
  std::size_t max_fill_steps = 5;    // gaps of up to this many missing samples are filled linearly
  // Hampel filter: a sample beyond the median ± k·1.4826·MAD of the `outlier_window` samples
  // centred on it is clipped to that band. k is large so real peaks stay; 0 disables clipping.
  // A short window keeps daily plateaus (a global band would clip them); 0 = one global window.
  double outlier_mad_k = 20;
  std::size_t outlier_window = 31;
};

// A run of missing samples that was too long to fill; left as NaN in the Series.
struct LongGap {
  std::int64_t start = 0;            // unix seconds of the first missing sample
  std::size_t samples = 0;           // how many samples are missing
};

struct CleaningReport {
  std::size_t points_read = 0;       // raw points given to clean_points
  std::size_t non_finite = 0;        // NaN / ±Inf raw values, dropped before resampling
  bool was_unsorted = false;         // raw timestamps were not ascending (they were sorted)
  std::size_t duplicates = 0;        // raw points sharing a timestamp with an earlier one (averaged)
  std::size_t merged = 0;            // raw points averaged into a shared output sample (downsampling)
  std::int64_t step = 0;             // output step in seconds
  bool step_inferred = false;        // step came from the median interval, not from options
  std::int64_t input_interval = 0;   // median interval between raw timestamps (seconds)
  std::size_t samples = 0;           // output samples (Series::values.size())
  std::size_t samples_interpolated = 0;  // upsampling: samples between raw points at the input interval
  std::size_t gaps_filled = 0;       // gaps (runs of missing samples) filled by linear interpolation
  std::size_t samples_filled = 0;    // samples those gaps held
  std::size_t long_gaps = 0;         // gaps longer than max_fill_steps, kept as NaN
  std::size_t long_gap_samples = 0;  // samples those gaps held
  std::vector<LongGap> long_gap_list;
  std::size_t outliers_clipped = 0;  // samples clipped to the median ± k·MAD band
  double outlier_k = 0;              // the k used (0 = clipping disabled)
  std::size_t outlier_window = 0;    // the window used (0 = global)
};

// Turns raw points (any order, duplicates allowed) into a Series at a fixed step.
// Throws Error (naming `name`) when there are no finite points, or fewer than 2 for step inference.
Series clean_points(std::vector<Point> points, const std::string& name, const CleaningOptions& options,
                    CleaningReport& report);

// Stable JSON object for `-o json` (keys snake_case, durations in seconds).
nlohmann::ordered_json to_json(const CleaningReport& report);
// One line for stderr, e.g. "read 10320 points, step 1800s, 0 duplicates, 2 gaps filled (3 samples), ...".
std::string summarize(const CleaningReport& report);

}  // namespace coldstart::predict
