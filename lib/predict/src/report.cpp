#include "coldstart/predict/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>

#include "coldstart/core/output.hpp"
#include "coldstart/core/svg_chart.hpp"
#include "coldstart/core/units.hpp"
#include "coldstart/predict/timestamp.hpp"

namespace coldstart::predict {
namespace {

nlohmann::ordered_json periods_json(const PeriodResult& r) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& p : r.periods)
    list.push_back({{"label", p.label}, {"seconds", p.seconds}, {"confidence", p.confidence},
                    {"autocorrelation", p.autocorrelation}, {"power_ratio", p.power_ratio}});
  return {{"detected", list}, {"p_value", r.p_value}, {"notes", r.notes}};
}

nlohmann::ordered_json policy_json(const PolicyOptions& p) {
  return {{"capacity_per_pod", p.capacity_per_pod}, {"min_replicas", p.min_replicas}, {"max_replicas", p.max_replicas},
          {"ready_time_seconds", p.ready_time_seconds}, {"quantile", p.quantile * 100},
          {"target", p.target_kind + "/" + p.target_name}, {"metric", p.metric}};
}

std::string num(double v, int decimals = 1) { return fmt::format("{:.{}f}", v, decimals); }

void yaml_node(const nlohmann::ordered_json& v, int indent, std::string& out);

std::string yaml_scalar(const nlohmann::ordered_json& v) {
  if (v.is_string()) return v.dump();  // a JSON string is a valid YAML double-quoted scalar
  if (v.is_null()) return "null";
  return v.dump();
}

bool is_container(const nlohmann::ordered_json& v) { return (v.is_object() || v.is_array()) && !v.empty(); }

void yaml_node(const nlohmann::ordered_json& v, int indent, std::string& out) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  if (v.is_object()) {
    for (const auto& [key, value] : v.items()) {
      std::string k = std::all_of(key.begin(), key.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '/'; })
                          ? key : nlohmann::json(key).dump();
      if (is_container(value)) {
        out += pad + k + ":\n";
        yaml_node(value, indent + 2, out);
      } else {
        out += pad + k + ": " + (value.is_object() ? "{}" : value.is_array() ? "[]" : yaml_scalar(value)) + "\n";
      }
    }
  } else if (v.is_array()) {
    for (const auto& item : v) {
      if (is_container(item)) {
        std::string nested;
        yaml_node(item, indent + 2, nested);
        nested.replace(static_cast<std::size_t>(indent), 2, "- ");  // "- " takes the first line's indent
        out += nested;
      } else {
        out += pad + "- " + (item.is_object() ? "{}" : item.is_array() ? "[]" : yaml_scalar(item)) + "\n";
      }
    }
  }
}

}  // namespace

std::string manifest_yaml(const nlohmann::ordered_json& doc) {
  std::string out;
  if (!doc.is_array()) {
    yaml_node(doc, 0, out);
    return out;
  }
  for (const auto& item : doc) {  // several documents (keda-serve): a YAML stream
    if (!out.empty()) out += "---\n";
    yaml_node(item, 0, out);
  }
  return out;
}

std::string recommendation_summary(const Recommendation& rec) {
  std::string periods;
  for (const auto& p : rec.periods.periods)
    periods += fmt::format("{}{} {} (confidence {:.2f})", periods.empty() ? "" : ", ", p.label,
                           format_duration(p.seconds), p.confidence);
  if (periods.empty()) periods = "none";
  std::string s = fmt::format("{}: {:.1f} days at {} s steps; periods: {}\n", rec.series_name,
                              rec.history_seconds / 86400, rec.step, periods);
  for (const auto& note : rec.periods.notes) s += "  note: " + note + "\n";
  s += fmt::format("strategy: {} — {}\n", rec.strategy, rec.reason);
  s += fmt::format("capacity per pod {:g}, replicas {}..{}, ready time {:g} s, quantile p{:g}",
                   rec.policy.capacity_per_pod, rec.policy.min_replicas, rec.policy.max_replicas,
                   rec.policy.ready_time_seconds, rec.policy.quantile * 100);
  if (rec.strategy != "auto")
    s += fmt::format("; reactive HPA target {:.0f}% of capacity", rec.hpa_target_utilization * 100);
  return s + "\n";
}

nlohmann::ordered_json metrics_json(const PolicyOutcome& p) {
  nlohmann::ordered_json j;
  j["name"] = p.name;
  j["description"] = p.description;
  j["target_utilization"] = p.target_utilization > 0 ? nlohmann::ordered_json(p.target_utilization) : nlohmann::ordered_json();
  j["under_provisioned_pod_minutes"] = p.metrics.under_provisioned_pod_minutes;
  j["minutes_above_capacity"] = p.metrics.minutes_above_capacity;
  j["pod_hours"] = p.metrics.pod_hours;
  j["over_provisioned_pod_hours"] = p.metrics.over_provisioned_pod_hours;
  j["scaling_events"] = p.metrics.scaling_events;
  j["pod_starts"] = p.metrics.pod_starts;
  return j;
}

nlohmann::ordered_json recommendation_json(const Recommendation& rec, const nlohmann::ordered_json& manifest) {
  nlohmann::ordered_json j;
  j["schema_version"] = 1;
  j["series"] = {{"name", rec.series_name}, {"step_seconds", rec.step}, {"history_seconds", rec.history_seconds},
                 {"end", format_iso_time(rec.history_end)}};
  j["periods"] = periods_json(rec.periods);
  j["strategy"] = rec.strategy;
  j["reason"] = rec.reason;
  j["period_seconds"] = rec.period_seconds;
  j["policy"] = policy_json(rec.policy);
  j["hpa_target_utilization"] = rec.hpa_target_utilization;
  nlohmann::ordered_json bounds = nlohmann::ordered_json::array();
  for (const auto& b : rec.bounds)
    bounds.push_back({{"weekdays", b.weekdays}, {"first_hour", b.first_hour}, {"last_hour", b.last_hour},
                      {"min_replicas", b.min_replicas}, {"max_replicas", b.max_replicas}});
  j["bounds"] = bounds;
  nlohmann::ordered_json forecast = nlohmann::ordered_json::array();
  for (const auto& f : rec.forecast)
    forecast.push_back({{"time", format_iso_time(f.time)}, {"median", f.median}, {"upper", f.upper}, {"replicas", f.replicas}});
  j["forecast"] = forecast;
  if (rec.backtested) {
    nlohmann::ordered_json e;
    e["start"] = format_iso_time(rec.backtest.start);
    e["end"] = format_iso_time(rec.backtest.end);
    for (const auto& p : rec.backtest.policies) e["policies"].push_back(metrics_json(p));
    j["evidence"] = e;
  } else {
    j["evidence"] = nullptr;
  }
  j["manifest"] = manifest;
  return j;
}

nlohmann::ordered_json backtest_json(const Recommendation& rec) {
  const BacktestResult& r = rec.backtest;
  nlohmann::ordered_json j;
  j["schema_version"] = 1;
  j["series"] = {{"name", rec.series_name}, {"step_seconds", rec.step}, {"history_seconds", rec.history_seconds}};
  j["periods"] = periods_json(rec.periods);
  j["strategy"] = rec.strategy;
  j["reason"] = rec.reason;
  j["policy"] = policy_json(rec.policy);
  j["replay"] = {{"start", format_iso_time(r.start)}, {"end", format_iso_time(r.end)},
                 {"days", static_cast<double>(r.end - r.start) / 86400}, {"tick_seconds", r.tick},
                 {"hpa_tolerance", r.simulation.tolerance}, {"scale_down_window_seconds", r.simulation.scale_down_window}};
  for (const auto& p : r.policies) j["policies"].push_back(metrics_json(p));
  const auto& rec_m = r.policy("recommended").metrics;
  const auto& eq_m = r.policy("equal_cost_hpa").metrics;
  j["comparison"] = {{"under_provisioning_reduction_vs_reactive", r.under_provisioning_reduction()},
                     {"pod_hours_change_vs_reactive", r.pod_hours_change()},
                     {"under_provisioned_pod_minutes_vs_equal_cost",
                      eq_m.under_provisioned_pod_minutes > 0 ? rec_m.under_provisioned_pod_minutes / eq_m.under_provisioned_pod_minutes - 1 : 0.0},
                     {"not_worse_than_equal_cost", rec_m.under_provisioned_pod_minutes <= eq_m.under_provisioned_pod_minutes + 1e-6}};
  if (r.score.available)
    j["forecast"] = {{"horizon_seconds", r.score.horizon_seconds}, {"quantile", r.score.quantile * 100},
                     {"pinball_loss", r.score.pinball_loss}, {"coverage", r.score.coverage}, {"mase", r.score.mase},
                     {"samples", r.score.samples}};
  else
    j["forecast"] = nullptr;
  return j;
}

std::string backtest_table(const Recommendation& rec, bool markdown) {
  const BacktestResult& r = rec.backtest;
  Table t({{"policy"}, {"under-prov pod-min", Align::right}, {"min above capacity", Align::right},
           {"pod-hours", Align::right}, {"over-prov pod-hours", Align::right}, {"scaling events", Align::right},
           {"pod starts", Align::right}});
  for (const auto& p : r.policies) {
    std::string label = p.name;
    if (p.target_utilization > 0) label += fmt::format(" (target {:.0f}%)", p.target_utilization * 100);
    t.add_row({label, num(p.metrics.under_provisioned_pod_minutes), num(p.metrics.minutes_above_capacity, 0),
               num(p.metrics.pod_hours), num(p.metrics.over_provisioned_pod_hours), std::to_string(p.metrics.scaling_events),
               std::to_string(p.metrics.pod_starts)});
  }
  std::string out = markdown ? t.render_markdown() : t.render_text();
  out += fmt::format("\n{}replay {} .. {} ({:.1f} days, {} s ticks), ready time {:g} s, capacity {:g} per pod\n",
                     markdown ? "\n" : "", format_iso_time(r.start), format_iso_time(r.end), static_cast<double>(r.end - r.start) / 86400,
                     r.tick, rec.policy.ready_time_seconds, rec.policy.capacity_per_pod);
  out += fmt::format("strategy {}: {}\n", rec.strategy, rec.reason);
  out += fmt::format("vs reactive HPA: under-provisioned pod-minutes {:+.1f}%, pod-hours {:+.1f}%\n",
                     -r.under_provisioning_reduction() * 100 + 0.0, r.pod_hours_change() * 100 + 0.0);  // + 0.0: no "-0.0%"
  if (r.score.available)
    out += fmt::format("forecast {:g} s ahead at p{:g}: coverage {:.1f}%, pinball loss {:.3g}, MASE {:.3f} (vs seasonal naive)\n",
                       r.score.horizon_seconds, r.score.quantile * 100, r.score.coverage * 100, r.score.pinball_loss, r.score.mase);
  return out;
}

std::string schedule_csv(const BacktestResult& r, std::int64_t row_seconds) {
  std::string out = "time,demand";
  for (const auto& p : r.policies) out += "," + p.name + "_ready," + p.name + "_requested";
  out += "\n";
  // A row spans `per_row` ticks: the peak demand, the fewest ready and the most requested pods
  // in it, so a short dip in ready capacity is never averaged away.
  const auto per_row = static_cast<std::size_t>(std::max<std::int64_t>(1, row_seconds / r.tick));
  for (std::size_t i = 0; i < r.demand.size(); i += per_row) {
    const std::size_t end = std::min(r.demand.size(), i + per_row);
    out += fmt::format("{},{:g}", r.start + static_cast<std::int64_t>(i) * r.tick,
                       *std::max_element(r.demand.begin() + static_cast<long>(i), r.demand.begin() + static_cast<long>(end)));
    for (const auto& p : r.policies) {
      const auto& ready = p.timeline.ready;
      const auto& requested = p.timeline.requested;
      out += fmt::format(",{},{}", *std::min_element(ready.begin() + static_cast<long>(i), ready.begin() + static_cast<long>(end)),
                         *std::max_element(requested.begin() + static_cast<long>(i), requested.begin() + static_cast<long>(end)));
    }
    out += '\n';
  }
  return out;
}

std::string backtest_chart_svg(const BacktestResult& r, const std::string& title, double days, const std::string& unit) {
  const auto ticks_shown = std::min(r.demand.size(), static_cast<std::size_t>(days * 86400 / static_cast<double>(r.tick)));
  const std::size_t from = r.demand.size() - ticks_shown;
  const std::size_t buckets = std::min<std::size_t>(ticks_shown, 1200);
  const double cap = r.simulation.capacity_per_pod;
  const std::pair<const char*, const char*> styles[] = {{"reactive_hpa", "#d62728"}, {"recommended", "#1f77b4"}, {"equal_cost_hpa", "#999"}};
  Chart chart;
  chart.title = title;
  chart.subtitle = fmt::format("{} .. {} (UTC); ready capacity = ready pods x {:g} per pod",
                               format_iso_time(r.start + static_cast<std::int64_t>(from) * r.tick), format_iso_time(r.end), cap);
  chart.series.push_back({"demand", "#222", "", 1.6, false, {}, {}, ""});
  for (const auto& [name, colour] : styles)
    chart.series.push_back({std::string(name) + " ready", colour, name == std::string("equal_cost_hpa") ? "4 3" : "", 1.2, false, {}, {}, ""});
  for (std::size_t b = 0; b < buckets; ++b) {
    std::size_t i0 = from + b * ticks_shown / buckets, i1 = std::max(i0 + 1, from + (b + 1) * ticks_shown / buckets);
    double d = 0, rc[3] = {INFINITY, INFINITY, INFINITY};
    for (std::size_t i = i0; i < i1; ++i) {
      d = std::max(d, r.demand[i]);  // peaks matter: demand high, capacity low within a bucket
      for (int k = 0; k < 3; ++k) rc[k] = std::min(rc[k], r.policy(styles[k].first).timeline.ready[i] * cap);
    }
    const double hours = static_cast<double>(i0 - from) * static_cast<double>(r.tick) / 3600;
    chart.series[0].x.push_back(hours);
    chart.series[0].y.push_back(d);
    for (std::size_t k = 0; k < 3; ++k) {
      chart.series[k + 1].x.push_back(hours);
      chart.series[k + 1].y.push_back(rc[k]);
    }
  }
  const double span_hours = static_cast<double>(ticks_shown) * static_cast<double>(r.tick) / 3600;
  // Under-provisioning shaded: demand above each controller's ready capacity.
  chart.bands.push_back({"reactive_hpa short", "#d62728", 0.22, chart.series[1].x, chart.series[1].y, chart.series[0].y});
  chart.bands.push_back({"recommended short", "#1f77b4", 0.45, chart.series[2].x, chart.series[2].y, chart.series[0].y});
  const std::int64_t shown_from = r.start + static_cast<std::int64_t>(from) * r.tick;
  chart.x.label = "time (UTC)";
  chart.x.min = 0;
  chart.x.max = span_hours;
  // A tick at every UTC midnight in the window (every few when it spans weeks), labelled by date.
  const std::int64_t first_midnight = (shown_from + 86399) / 86400 * 86400;
  const int every = span_hours > 24 * 16 ? static_cast<int>(std::ceil(span_hours / 24 / 14)) : 1;
  for (std::int64_t t = first_midnight; static_cast<double>(t - shown_from) / 3600 <= span_hours + 1e-9; t += 86400LL * every)
    chart.x.ticks.push_back(static_cast<double>(t - shown_from) / 3600);
  if (chart.x.ticks.size() < 2) chart.x.ticks.clear();  // under a day: the automatic hour steps
  chart.x.format = [shown_from, dated = !chart.x.ticks.empty()](double h) {
    const auto t = shown_from + static_cast<std::int64_t>(std::llround(h * 3600));
    if (!dated) return fmt::format("+{:g} h", h);
    static const char* days[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};  // 1970-01-01 was a Thursday
    return fmt::format("{} {}", days[((t / 86400) % 7 + 7) % 7], format_iso_time(t).substr(5, 5));
  };
  chart.y.label = unit.empty() ? "demand and ready capacity" : fmt::format("demand and ready capacity ({})", unit);
  return render_svg(chart);
}

}  // namespace coldstart::predict
