#include "coldstart/predict/series_io.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <iterator>

#include "coldstart/core/error.hpp"
#include "coldstart/core/file.hpp"
#include "coldstart/core/log.hpp"
#include "coldstart/core/units.hpp"
#include "coldstart/predict/csv_reader.hpp"
#include "coldstart/predict/prometheus.hpp"
#include "coldstart/predict/timestamp.hpp"

namespace coldstart::predict {
namespace {

std::string read_input(const std::string& file) {
  if (file != "-") return read_file(file);
  std::string data((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  if (std::cin.bad()) throw Error("cannot read standard input");
  return data;
}

std::string trim_copy(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::string detect_format(const std::string& text) {
  auto first = text.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  return first != std::string::npos && text[first] == '{' ? "prometheus-json" : "csv";
}

// Several series -> one, either summed or picked by label value.
std::vector<Point> combine(const std::vector<LabeledPoints>& all, const MetricsInput& in, LoadedSeries& out,
                           std::string& name, const std::string& source) {
  if (in.by.empty()) {
    if (all.size() > 1 && in.log_reads) log::info("{}: summing {} series per timestamp (use --by LABEL to pick one)", source, all.size());
    return sum_series(all);
  }
  auto groups = group_by_label(all, in.by);
  for (const auto& [value, points] : groups) out.available_series.push_back(value);
  if (groups.size() == 1 && groups.begin()->first.empty()) {
    std::string labels;
    for (const auto& s : all)
      for (const auto& [k, v] : s.labels) labels += (labels.find(k + ",") == std::string::npos ? k + "," : "");
    if (!labels.empty()) labels.pop_back();
    throw Error(fmt::format("{}: no series has the label '{}'", source, in.by),
                labels.empty() ? "the series have no labels; drop --by" : "labels present: " + labels);
  }
  std::string choices;
  for (const auto& v : out.available_series) choices += (choices.empty() ? "" : ", ") + (v.empty() ? "\"\"" : v);
  if (in.series.empty()) {
    if (groups.size() > 1)
      throw Error(fmt::format("{}: {} series by {}: {}", source, groups.size(), in.by, choices),
                  "pick one with --series VALUE");
    name = in.by + "=" + groups.begin()->first;
    return groups.begin()->second;
  }
  auto it = groups.find(in.series);
  if (it == groups.end())
    throw Error(fmt::format("{}: no series with {}='{}'", source, in.by, in.series), "choices: " + choices);
  name = in.by + "=" + in.series;
  return it->second;
}

}  // namespace

void set_prometheus_connection(const MetricsInput& in, PrometheusQuery& q) {
  q.url = in.prometheus_url;
  q.timeout_seconds = in.timeout_seconds;
  q.ca_cert = in.ca_cert;
  q.verify_tls = !in.insecure_tls;
  q.username = in.username;
  q.password = in.password;
  if (!in.bearer_token_file.empty()) {
    q.bearer_token = trim_copy(read_file(in.bearer_token_file, 1 << 20));
    if (q.bearer_token.empty())
      throw Error(fmt::format("bearer token file {} is empty", in.bearer_token_file), "check --bearer-token-file");
  }
}

LoadedSeries load_metrics(const MetricsInput& in) {
  const bool live = !in.prometheus_url.empty();
  if (live == !in.file.empty())
    throw UsageError(live ? "give either a FILE or --prometheus, not both" : "no metrics input",
                     "pass a CSV or Prometheus JSON FILE (or - for stdin), or --prometheus URL --query PROMQL");
  if (!live && !in.query.empty()) throw UsageError("--query needs --prometheus URL");
  if (live && in.query.empty()) throw UsageError("--prometheus needs --query PROMQL");
  if (!in.series.empty() && in.by.empty()) throw UsageError("--series needs --by LABEL");
  if (in.format != "auto" && in.format != "csv" && in.format != "prometheus-json")
    throw UsageError(fmt::format("unknown input format '{}'", in.format), "use auto, csv or prometheus-json");
  if (!(in.step_seconds >= 0) || !std::isfinite(in.step_seconds)) throw UsageError("--step must be positive");
  if (!in.username.empty() && !in.bearer_token_file.empty())
    throw UsageError("give either --bearer-token-file or --username, not both");

  LoadedSeries out;
  std::vector<Point> points;
  std::string name;
  CleaningOptions cleaning = in.cleaning;
  const auto forced_step = static_cast<std::int64_t>(std::llround(in.step_seconds));
  if (in.step_seconds > 0 && forced_step <= 0) throw UsageError("--step must be at least 1s");
  if (forced_step > 0) cleaning.step = forced_step;

  if (live) {
    if (!in.time_column.empty() || !in.value_column.empty())
      throw UsageError("--time-column/--value-column apply to CSV input, not --prometheus");
    PrometheusQuery q;
    q.url = in.prometheus_url;
    q.query = in.query;
    q.step = forced_step > 0 ? forced_step : 60;
    if (!(in.range_seconds > 0)) throw UsageError("--range must be positive");
    // Step-aligned bounds: the same query then gives the same samples on every run.
    std::int64_t end = parse_time_flag(in.end, "--end");
    q.end = end - ((end % q.step) + q.step) % q.step;
    q.start = q.end - static_cast<std::int64_t>(std::llround(in.range_seconds)) + q.step;
    if (q.start > q.end) q.start = q.end;
    set_prometheus_connection(in, q);
    cleaning.step = q.step;
    out.source = fmt::format("prometheus query '{}'", in.query);
    if (in.log_reads)
      log::info("querying Prometheus: '{}' over {} at a {}s step", in.query,
                format_duration(static_cast<double>(q.end - q.start + q.step)), q.step);
    auto all = fetch_query_range(q);
    name = in.query;
    points = combine(all, in, out, name, out.source);
  } else {
    std::string text = read_input(in.file);
    std::string label = in.file == "-" ? "stdin" : in.file;
    std::string format = in.format == "auto" ? detect_format(text) : in.format;
    out.source = fmt::format("{} ({})", label, format);
    name = in.file == "-" ? "stdin" : std::filesystem::path(in.file).stem().string();
    if (format == "csv") {
      if (!in.by.empty()) throw UsageError("--by applies to Prometheus input, not CSV", "drop --by or pass a Prometheus JSON export");
      points = parse_csv(text, label, CsvColumns{in.time_column, in.value_column});
    } else {
      if (!in.time_column.empty() || !in.value_column.empty())
        throw UsageError("--time-column/--value-column apply to CSV input, not Prometheus JSON");
      auto all = parse_query_range(text, label);
      if (all.empty()) throw Error(label + ": the Prometheus answer holds no series", "check the query that produced it");
      points = combine(all, in, out, name, label);
    }
  }
  out.series = clean_points(std::move(points), name, cleaning, out.report);
  return out;
}

}  // namespace coldstart::predict
