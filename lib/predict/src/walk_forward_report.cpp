#include "coldstart/predict/walk_forward_report.hpp"

#include <fmt/format.h>

#include <map>

#include "coldstart/core/output.hpp"
#include "coldstart/predict/report.hpp"
#include "coldstart/predict/timestamp.hpp"

namespace coldstart::predict {
namespace {

double ratio_change(double value, double base) { return base > 0 ? value / base - 1 : 0; }

std::map<std::string, int> days_by_strategy(const WalkForwardResult& w) {
  std::map<std::string, int> out;
  for (const auto& d : w.days) ++out[d.strategy];
  return out;
}

std::string num(double v, int decimals = 1) { return fmt::format("{:.{}f}", v, decimals); }

}  // namespace

nlohmann::ordered_json walk_forward_json(const BacktestReport& report) {
  const Recommendation& rec = report.recommendation;
  const WalkForwardResult& w = report.walk;
  const BacktestResult& r = w.replay;
  // The in-sample document has the series, periods, strategy and policy of today's recommendation.
  nlohmann::ordered_json j = backtest_json(rec);
  nlohmann::ordered_json in_sample = {{"note", "decided on the whole history, replayed days included (look-ahead); not evidence"},
                                      {"strategy", rec.strategy},
                                      {"policies", j["policies"]},
                                      {"comparison", j["comparison"]}};
  j.erase("policies");
  j.erase("comparison");
  j.erase("forecast");
  j["replay"] = {{"method", w.perfect_foresight ? "walk-forward, perfect foresight (a bound, not evidence)" : "walk-forward"},
                 {"start", format_iso_time(r.start)}, {"end", format_iso_time(r.end)},
                 {"days", static_cast<double>(r.end - r.start) / 86400}, {"tick_seconds", r.tick},
                 {"capacity_per_pod", r.simulation.capacity_per_pod},
                 {"hpa_tolerance", r.simulation.tolerance}, {"scale_down_window_seconds", r.simulation.scale_down_window},
                 {"days_by_strategy", days_by_strategy(w)}};
  const Damping d = default_damping();
  j["damping"] = {{"scale_down_window_seconds", d.scale_down_window}, {"hold_seconds", d.hold_seconds},
                  {"hysteresis", d.hysteresis}, {"min_scale_down_spacing_seconds", d.min_scale_down_spacing}};
  for (const auto& p : r.policies) j["policies"].push_back(metrics_json(p));
  const auto& react = r.policy("reactive_hpa").metrics;
  nlohmann::ordered_json formats = nlohmann::ordered_json::array();
  for (const auto& f : w.formats) {
    nlohmann::ordered_json e = metrics_json(f.outcome);
    e["format"] = f.name;
    e["equal_cost_hpa"] = metrics_json(f.equal_cost);
    e["under_provisioned_pod_minutes_vs_equal_cost"] =
        ratio_change(f.outcome.metrics.under_provisioned_pod_minutes, f.equal_cost.metrics.under_provisioned_pod_minutes);
    e["not_worse_than_equal_cost"] = f.not_worse_than_equal_cost();
    e["under_provisioning_reduction_vs_reactive"] = -ratio_change(f.outcome.metrics.under_provisioned_pod_minutes, react.under_provisioned_pod_minutes);
    e["pod_hours_change_vs_reactive"] = ratio_change(f.outcome.metrics.pod_hours, react.pod_hours);
    e["scaling_events_vs_reactive"] = react.scaling_events > 0 ? f.outcome.metrics.scaling_events / static_cast<double>(react.scaling_events) : 0.0;
    formats.push_back(e);
  }
  j["formats"] = formats;
  const auto& first = formats.front();
  j["comparison"] = {{"format", first["format"]},
                     {"under_provisioned_pod_minutes_vs_equal_cost", first["under_provisioned_pod_minutes_vs_equal_cost"]},
                     {"not_worse_than_equal_cost", first["not_worse_than_equal_cost"]},
                     {"under_provisioning_reduction_vs_reactive", first["under_provisioning_reduction_vs_reactive"]},
                     {"pod_hours_change_vs_reactive", first["pod_hours_change_vs_reactive"]},
                     {"scaling_events_vs_reactive", first["scaling_events_vs_reactive"]}};
  if (r.score.available)
    j["forecast"] = {{"horizon_seconds", r.score.horizon_seconds}, {"quantile", r.score.quantile * 100},
                     {"pinball_loss", r.score.pinball_loss}, {"coverage", r.score.coverage}, {"mase", r.score.mase},
                     {"samples", r.score.samples}};
  else
    j["forecast"] = nullptr;
  nlohmann::ordered_json days = nlohmann::ordered_json::array();
  for (const auto& d : w.days)
    days.push_back({{"start", format_iso_time(d.start)}, {"strategy", d.strategy}, {"period_seconds", d.period_seconds},
                    {"max_replicas", d.max_replicas}, {"hpa_target_utilization", d.hpa_target_utilization}});
  j["days"] = days;
  j["in_sample"] = in_sample;
  return j;
}

std::string walk_forward_table(const BacktestReport& report, bool markdown) {
  const Recommendation& rec = report.recommendation;
  const WalkForwardResult& w = report.walk;
  const BacktestResult& r = w.replay;
  Table t({{"policy (walk-forward)"}, {"under-prov pod-min", Align::right}, {"equal-cost HPA (target)", Align::right},
           {"pod-hours", Align::right}, {"scaling events", Align::right}, {"pod starts", Align::right},
           {"min above capacity", Align::right}});
  auto row = [&](const std::string& label, const PolicyOutcome& p, const std::string& equal) {
    t.add_row({label, num(p.metrics.under_provisioned_pod_minutes), equal, num(p.metrics.pod_hours),
               std::to_string(p.metrics.scaling_events), std::to_string(p.metrics.pod_starts), num(p.metrics.minutes_above_capacity, 0)});
  };
  for (const auto& f : w.formats)
    row(f.name + " manifest", f.outcome,
        fmt::format("{} ({:.0f}%)", num(f.equal_cost.metrics.under_provisioned_pod_minutes), f.equal_cost.target_utilization * 100));
  const auto& react = r.policy("reactive_hpa");
  row(fmt::format("reactive_hpa (target {:.0f}%)", react.target_utilization * 100), react, "–");
  row("static_max", r.policy("static_max"), "–");
  std::string out = w.perfect_foresight ? "PERFECT FORESIGHT: the forecast replaced by the values that really came; a bound, not evidence\n\n" : "";
  out += markdown ? t.render_markdown() : t.render_text();
  out += markdown ? "\n" : "";
  for (const auto& f : w.formats) {
    const double a = f.outcome.metrics.under_provisioned_pod_minutes, b = f.equal_cost.metrics.under_provisioned_pod_minutes;
    out += fmt::format("\n{} vs the equal-cost HPA (same pod-hours, target {:.0f}%): {:.1f} vs {:.1f} under-provisioned pod-minutes, {}",
                       f.name, f.equal_cost.target_utilization * 100, a, b,
                       f.not_worse_than_equal_cost() ? (a < b ? "better" : "as good") : "WORSE");
  }
  const auto& first = w.formats.front().outcome.metrics;
  out += fmt::format("\n{} vs the reactive HPA at {:.0f}% (a weak baseline): under-provisioned pod-minutes {:+.1f}%, pod-hours {:+.1f}%, "
                     "scaling events {:.2f}x\n",
                     w.formats.front().name, react.target_utilization * 100,
                     ratio_change(first.under_provisioned_pod_minutes, react.metrics.under_provisioned_pod_minutes) * 100 + 0.0,
                     ratio_change(first.pod_hours, react.metrics.pod_hours) * 100 + 0.0,
                     react.metrics.scaling_events > 0 ? first.scaling_events / static_cast<double>(react.metrics.scaling_events) : 0.0);
  std::string days;
  for (const auto& [strategy, count] : days_by_strategy(w)) days += fmt::format("{}{} {}", days.empty() ? "" : ", ", count, strategy);
  out += fmt::format("walk-forward {} .. {} ({:.1f} days: {}; each day runs the manifest recommended from the data before it), "
                     "{} s ticks, ready time {:g} s, capacity {:g} per pod\n",
                     format_iso_time(r.start), format_iso_time(r.end), static_cast<double>(r.end - r.start) / 86400, days, r.tick,
                     rec.policy.ready_time_seconds, r.simulation.capacity_per_pod);
  if (r.score.available)
    out += fmt::format("forecast {:g} s ahead at p{:g}: coverage {:.1f}%, pinball loss {:.3g}, MASE {:.3f} (vs seasonal naive)\n",
                       r.score.horizon_seconds, r.score.quantile * 100, r.score.coverage * 100, r.score.pinball_loss, r.score.mase);
  const BacktestResult& in = rec.backtest;
  out += fmt::format("in-sample (decided on the whole history, replayed days included; not evidence): strategy {}, {:.1f} vs {:.1f} "
                     "under-provisioned pod-minutes for the equal-cost HPA\n",
                     rec.strategy, in.policy("recommended").metrics.under_provisioned_pod_minutes,
                     in.policy("equal_cost_hpa").metrics.under_provisioned_pod_minutes);
  out += fmt::format("today's recommendation: {}: {}\n", rec.strategy, rec.reason);
  return out;
}

}  // namespace coldstart::predict
