// coldstart ahpa recommend|backtest: metrics -> period -> forecast -> replica policy -> manifest,
// and the same policy replayed on the history against reactive baselines. Flags become a
// predict::RecommendRequest / BacktestRequest; the library runs the pipeline; this file renders.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <memory>

#include "ahpa_shared.hpp"
#include "cli.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/file.hpp"
#include "coldstart/core/http.hpp"
#include "coldstart/core/log.hpp"
#include "coldstart/core/units.hpp"
#include "coldstart/predict/ahpa.hpp"
#include "coldstart/predict/ready_time.hpp"
#include "coldstart/predict/report.hpp"
#include "coldstart/predict/timestamp.hpp"
#include "coldstart/predict/walk_forward_report.hpp"

namespace coldstart::cli {
namespace {

struct AhpaFlags {
  predict::MetricsInput input;
  std::string range = "14d", step, max_gap_fill, outlier_k;
  double capacity = 0;
  int min_replicas = 1, max_replicas = 0;
  std::string target = "Deployment/app";
  std::string ready_time = "180s", ready_time_from;
  bool ready_from_prometheus = false;
  std::string ready_prometheus_url, ready_pods;  // "" = the --prometheus URL / the target's pods
  double ready_quantile = 95;
  std::size_t ready_min_pods = 5;
  double quantile = 95;
  std::string metric = "requests_per_second";
  std::string format = "ahpa";
  std::string name, namespace_name;
  std::string chart, schedule, schedule_step;
  bool perfect_foresight = false;
  std::string manifest_out, start;
  std::string image = std::string("ghcr.io/coldstart/coldstart:") + COLDSTART_VERSION;  // as prewarm's DaemonSet
};

void add_input_flags(CLI::App* cmd, AhpaFlags& f) {
  cmd->add_option("FILE", f.input.file, "Metrics file: CSV (timestamp,value) or Prometheus query_range JSON; - for stdin");
  cmd->add_option("--input-format", f.input.format, "auto, csv or prometheus-json")
      ->check(CLI::IsMember({"auto", "csv", "prometheus-json"}));
  cmd->add_option("--time-column", f.input.time_column, "CSV time column (name or 0-based index)");
  cmd->add_option("--value-column", f.input.value_column, "CSV value column (name or 0-based index)");
  cmd->add_option("--by", f.input.by, "Prometheus: split series by this label instead of summing them");
  cmd->add_option("--series", f.input.series, "With --by: the label value to use");
  cmd->add_option("--prometheus", f.input.prometheus_url, "Live Prometheus base URL (with --query)");
  cmd->add_option("--query", f.input.query, "PromQL for --prometheus, e.g. sum(rate(http_requests_total[1m]))");
  cmd->add_option("--range", f.range, "Live: history to fetch, ending at --end (default 14d)");
  cmd->add_option("--step", f.step, "Sample step (live query step; files: resample to this step)");
  cmd->add_option("--end", f.input.end, "Live: end of the range (now, unix seconds or ISO 8601)");
  cmd->add_option("--bearer-token-file", f.input.bearer_token_file, "Live: file holding a bearer token")
      ->check(CLI::ExistingFile);
  cmd->add_option("--max-gap-fill", f.max_gap_fill, "Fill gaps of up to this many missing samples (default 5)");
  cmd->add_option("--outlier-k", f.outlier_k, "Clip beyond median ± K·MAD (default 20; 0 disables)");
}

void add_policy_flags(CLI::App* cmd, AhpaFlags& f) {
  cmd->add_option("--capacity-per-pod", f.capacity,
                  "Demand one ready pod serves (for --metric cpu: target utilisation %); default p95/10");
  cmd->add_option("--min", f.min_replicas, "Minimum replicas (default 1)");
  cmd->add_option("--max", f.max_replicas, "Maximum replicas (default 1.5 × peak / capacity)");
  cmd->add_option("--target", f.target, "Workload to scale: KIND/NAME (default Deployment/app)");
  cmd->add_option("--ready-time", f.ready_time, "Pod ready time = scaleUpForward (default 180s)");
  cmd->add_option("--ready-time-from", f.ready_time_from, "JSON file with {\"pod_ready_seconds\": N}")
      ->check(CLI::ExistingFile);
  cmd->add_option_function<std::string>(
         "--ready-time-from-prometheus",
         [&f](const std::string& url) {
           f.ready_from_prometheus = true;
           f.ready_prometheus_url = url;
         },
         "Learn the ready time from kube-state-metrics in this Prometheus (default: --prometheus): "
         "kube_pod_status_ready_time - kube_pod_created of the target's pods over --range")
      ->expected(0, 1);
  cmd->add_option("--ready-time-quantile", f.ready_quantile, "With --ready-time-from-prometheus: quantile in percent (default 95)");
  cmd->add_option("--ready-time-min-pods", f.ready_min_pods, "With --ready-time-from-prometheus: fewer pods -> --ready-time (default 5)");
  cmd->add_option("--ready-time-pods", f.ready_pods, "With --ready-time-from-prometheus: pod name regex (default: the target's)");
  cmd->add_option("--quantile", f.quantile, "Forecast quantile in percent (default 95)");
  cmd->add_option("--metric", f.metric, "Metric in the manifests: cpu, memory, or a Pods metric name");
}

predict::MetricsInput finish_input(AhpaFlags& f, const GlobalOptions& global) {
  predict::MetricsInput in = f.input;
  in.range_seconds = parse_duration(f.range, "--range");
  if (!f.step.empty()) in.step_seconds = parse_duration(f.step, "--step");
  if (!f.max_gap_fill.empty()) {
    try {
      in.cleaning.max_fill_steps = static_cast<std::size_t>(std::stoul(f.max_gap_fill));
    } catch (const std::exception&) {
      throw UsageError("--max-gap-fill '" + f.max_gap_fill + "' is not a count", "use e.g. --max-gap-fill 5");
    }
  }
  if (!f.outlier_k.empty()) {
    try {
      in.cleaning.outlier_mad_k = std::stod(f.outlier_k);
    } catch (const std::exception&) {
      throw UsageError("--outlier-k '" + f.outlier_k + "' is not a number", "use e.g. --outlier-k 10, or 0 to disable");
    }
  }
  if (in.file.empty() && in.prometheus_url.empty())
    throw UsageError("no metrics given", "pass a FILE (or - for stdin), or --prometheus URL --query PROMQL");
  in.username = global.username;
  // The global connection flags reach Prometheus too: --ca-cert, --insecure HOST:PORT, --timeout.
  in.ca_cert = global.ca_cert;
  if (!in.prometheus_url.empty()) {
    auto authority = http::url_authority(in.prometheus_url);
    in.insecure_tls = std::find(global.insecure.begin(), global.insecure.end(), authority) != global.insecure.end();
  }
  if (double t = global.timeout_seconds(); t > 0) in.timeout_seconds = t;
  if (global.password_stdin) {
    if (in.file == "-") throw UsageError("--password-stdin and FILE - both want standard input", "pass the metrics as a file");
    if (global.username.empty()) throw UsageError("--password-stdin needs --username");
    std::getline(std::cin, in.password);
    while (!in.password.empty() && (in.password.back() == '\r' || in.password.back() == '\n')) in.password.pop_back();
  }
  return in;
}

predict::RecommendOptions recommend_options(const AhpaFlags& f) {
  predict::RecommendOptions o;
  o.policy.capacity_per_pod = f.capacity;
  o.policy.min_replicas = f.min_replicas;
  o.policy.max_replicas = f.max_replicas;
  if (f.quantile < 50 || f.quantile > 100)
    throw UsageError(fmt::format("--quantile {} is outside 50..100", f.quantile), "use a percentage such as 95");
  o.policy.quantile = f.quantile / 100;
  o.policy.ready_time_seconds = f.ready_time_from.empty() ? parse_duration(f.ready_time, "--ready-time")
                                                          : predict::read_ready_time_file(f.ready_time_from);
  predict::parse_target(f.target, o.policy);
  if (f.metric.empty()) throw UsageError("--metric is empty", "use cpu, memory or a metric name");
  o.policy.metric = f.metric;
  if (f.capacity < 0) throw UsageError("--capacity-per-pod must be positive");
  return o;
}

// --ready-time-from-prometheus: the target's historical pod ready time replaces --ready-time
// when enough pods were seen; otherwise a warning and --ready-time stands.
void resolve_ready_time(const AhpaFlags& f, const predict::MetricsInput& input, predict::RecommendOptions& o) {
  if (!f.ready_from_prometheus) return;
  if (!f.ready_time_from.empty()) throw UsageError("give either --ready-time-from FILE or --ready-time-from-prometheus, not both");
  if (f.ready_quantile <= 0 || f.ready_quantile > 100)
    throw UsageError(fmt::format("--ready-time-quantile {} is outside (0, 100]", f.ready_quantile), "use e.g. 95");
  predict::ReadyTimeQuery q;
  q.connection = input;
  if (!f.ready_prometheus_url.empty()) {
    q.connection.prometheus_url = f.ready_prometheus_url;
    q.connection.insecure_tls = false;
  }
  if (q.connection.prometheus_url.empty())
    throw UsageError("--ready-time-from-prometheus needs a Prometheus", "pass its URL, or --prometheus URL");
  q.namespace_name = f.namespace_name;
  q.pod_regex = f.ready_pods.empty() ? predict::target_pod_regex(o.policy) : f.ready_pods;
  q.range_seconds = input.range_seconds;
  q.end = predict::parse_time_flag(input.end, "--end");
  q.quantile = f.ready_quantile / 100;
  q.min_pods = f.ready_min_pods;
  const auto r = predict::ready_time_from_prometheus(q);
  const std::string where = fmt::format("pods matching '{}'{}", q.pod_regex,
                                        q.namespace_name.empty() ? std::string() : " in namespace " + q.namespace_name);
  if (!r.enough) {
    log::warn("ready time: only {} {} over the last {} (need {}); using --ready-time {:g} s", r.pods, where,
              format_duration(q.range_seconds), q.min_pods, o.policy.ready_time_seconds);
    return;
  }
  log::info("ready time: p{:g} of {} {} over the last {} = {:.1f} s (kube-state-metrics)", f.ready_quantile, r.pods, where,
            format_duration(q.range_seconds), r.seconds);
  o.policy.ready_time_seconds = r.seconds;
}

predict::EmitOptions emit_options(const AhpaFlags& f) {
  predict::EmitOptions e;
  e.name = f.name;
  e.namespace_name = f.namespace_name;
  e.image = f.image;
  e.range_seconds = parse_duration(f.range, "--range");
  // The schedule is valid from --start (default now): an old export must not emit an expired one.
  e.start = predict::parse_time_flag(f.start.empty() ? "now" : f.start, "--start");
  return e;
}

int run_recommend(AhpaFlags& f, const GlobalOptions& global) {
  predict::RecommendRequest request;
  request.format = predict::parse_manifest_format(f.format);
  request.options = recommend_options(f);
  request.input = finish_input(f, global);
  resolve_ready_time(f, request.input, request.options);
  request.emit = emit_options(f);
  auto result = predict::recommend(request);
  const auto& rec = result.recommendation;
  log::info("{}", predict::recommendation_summary(rec));
  const auto now = predict::parse_time_flag("now", "now");
  if (now - rec.history_end > 86400)
    log::warn("the data ends {}, {:.1f} days before now; the schedule starts at {} (set --start to change)",
              predict::format_utc_time(rec.history_end), static_cast<double>(now - rec.history_end) / 86400,
              predict::format_utc_time(request.emit.start));
  // The manifest (--format) goes to --manifest-out, or to stdout when no report format is asked;
  // the report (-o) is one document whether json or yaml.
  const std::string manifest = predict::manifest_yaml(result.manifest);
  if (!f.manifest_out.empty()) write_file_atomic(f.manifest_out, manifest);
  switch (global.format()) {
    case OutputFormat::json: std::cout << json_to_text(predict::recommendation_json(rec, result.manifest)); break;
    case OutputFormat::yaml: std::cout << json_to_yaml(predict::recommendation_json(rec, result.manifest)); break;
    case OutputFormat::markdown:
      std::cout << predict::recommendation_summary(rec) << "\n```yaml\n" << manifest << "```\n";
      break;
    default:
      if (f.manifest_out.empty()) std::cout << manifest;
      else std::cout << predict::recommendation_summary(rec);
      break;
  }
  return 0;
}

int run_backtest(AhpaFlags& f, const GlobalOptions& global) {
  predict::BacktestRequest request;
  request.options = recommend_options(f);
  if (f.format == "all") request.formats = {predict::ManifestFormat::ahpa, predict::ManifestFormat::hpa,
                                             predict::ManifestFormat::keda, predict::ManifestFormat::crane,
                                             predict::ManifestFormat::keda_serve};
  else if (f.format == "ahpa" || f.format == "hpa" || f.format == "keda" || f.format == "crane" || f.format == "keda-serve")
    request.formats = {predict::parse_manifest_format(f.format)};
  else throw UsageError(fmt::format("unknown --format '{}'", f.format), "use ahpa, hpa, keda, crane, keda-serve or all");
  request.perfect_foresight = f.perfect_foresight;
  request.input = finish_input(f, global);
  resolve_ready_time(f, request.input, request.options);
  const auto report = predict::backtest(request);
  const auto& rec = report.recommendation;
  const auto& replay = report.walk.replay;
  if (!f.schedule.empty()) {
    // One row per metric step (the simulation's 15 s ticks would repeat each sample many times).
    const auto row = f.schedule_step.empty() ? rec.step : std::llround(parse_duration(f.schedule_step, "--schedule-step"));
    if (row < replay.tick)
      throw UsageError(fmt::format("--schedule-step {} is shorter than the {} s simulation tick", f.schedule_step, replay.tick));
    write_file_atomic(f.schedule, predict::schedule_csv(replay, row));
  }
  if (!f.chart.empty())
    write_file_atomic(f.chart, predict::backtest_chart_svg(replay, fmt::format("{}: demand vs ready capacity (walk-forward)", rec.series_name),
                                                           7, rec.policy.metric));
  switch (global.format()) {
    case OutputFormat::json: std::cout << json_to_text(predict::walk_forward_json(report)); break;
    case OutputFormat::yaml: std::cout << json_to_yaml(predict::walk_forward_json(report)); break;
    case OutputFormat::markdown: std::cout << predict::walk_forward_table(report, true); break;
    default: std::cout << predict::walk_forward_table(report, false); break;
  }
  return 0;
}

}  // namespace

void register_ahpa(CLI::App& app, GlobalOptions& global) {
  auto* ahpa = app.add_subcommand("ahpa", "Predictive autoscaling policies (AHPA) from metrics, proven by backtests");
  ahpa->footer(
      "Examples:\n"
      "  coldstart ahpa recommend examples/metrics/nyc_taxi.csv --capacity-per-pod 2000 --ready-time 180s\n"
      "  coldstart ahpa recommend metrics.csv --capacity-per-pod 50 --format keda --target Deployment/sd\n"
      "  coldstart ahpa backtest examples/metrics/nyc_taxi.csv --capacity-per-pod 2000 --ready-time 180s");
  ahpa->require_subcommand(1);
  auto flags = std::make_shared<AhpaFlags>();

  auto* rec = ahpa->add_subcommand("recommend", "Detect periods, forecast, and print the autoscaler manifest");
  add_input_flags(rec, *flags);
  add_policy_flags(rec, *flags);
  rec->add_option("--format", flags->format,
                  "Manifest: ahpa (default), hpa, crane, keda, or keda-serve (KEDA reading `ahpa serve`, with its Deployment and Service)");
  rec->add_option("--manifest-out", flags->manifest_out, "Write the manifest here; stdout then carries the report (-o)");
  rec->add_option("--start", flags->start, "AHPA schedule valid from (now, unix seconds or ISO 8601; default now)");
  rec->add_option("--image", flags->image, "keda-serve: image that runs `coldstart ahpa serve`")->capture_default_str();
  rec->add_option("--name", flags->name, "metadata.name (default: the target's name)");
  rec->add_option("--namespace", flags->namespace_name, "metadata.namespace");
  rec->footer("Example:\n  coldstart ahpa recommend examples/metrics/nyc_taxi.csv --capacity-per-pod 2000 --ready-time 180s "
              "--target Deployment/taxi-api");
  set_action(rec, [flags, &global] { return run_recommend(*flags, global); });

  auto* bt = ahpa->add_subcommand("backtest", "Replay the history: recommended policy vs reactive HPA, static max, equal cost");
  add_input_flags(bt, *flags);
  add_policy_flags(bt, *flags);
  bt->add_option("--format", flags->format, "Manifest to replay: ahpa (default), hpa, keda, crane, keda-serve, or all side by side");
  bt->add_option("--chart", flags->chart, "Write an SVG chart of demand vs ready capacity (last 7 days)");
  bt->add_option("--schedule", flags->schedule, "Write demand and ready replicas of every policy as CSV, one row per step");
  bt->add_option("--schedule-step", flags->schedule_step, "Rows of --schedule this far apart (default: the metric step)");
  bt->add_flag("--perfect-foresight", flags->perfect_foresight,
               "A bound, not evidence: replay with the values that really came in place of the forecast");
  bt->footer("Example:\n  coldstart ahpa backtest examples/metrics/nyc_taxi.csv --capacity-per-pod 2000 --ready-time 180s --chart taxi.svg");
  set_action(bt, [flags, &global] { return run_backtest(*flags, global); });

  register_ahpa_serve(*ahpa, global,
                      {[flags](CLI::App* c) { add_input_flags(c, *flags); }, [flags](CLI::App* c) { add_policy_flags(c, *flags); },
                       [flags, &global] { return finish_input(*flags, global); },
                       [flags](const predict::MetricsInput& input) {
                         auto o = recommend_options(*flags);
                         try {
                           resolve_ready_time(*flags, input, o);
                         } catch (const UsageError&) {
                           throw;
                         } catch (const Error& e) {  // a service starts anyway: the typed ready time
                           log::warn("ready time: {}; using --ready-time {:g} s", e.what(), o.policy.ready_time_seconds);
                         }
                         return o;
                       }});
}

}  // namespace coldstart::cli
