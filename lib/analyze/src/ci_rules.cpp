#include "coldstart/analyze/ci_rules.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>

#include "coldstart/core/digest.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/units.hpp"

namespace coldstart::analyze {

namespace {

std::string normalise(std::string_view name) {
  std::string s;
  for (char c : name) s.push_back(c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return s;
}

std::string trimmed_lower(std::string_view text) {
  std::string s = normalise(text);
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

bool is_off(const std::string& v) { return v == "disabled" || v == "disable" || v == "off" || v == "false" || v == "no"; }
bool is_on(const std::string& v) { return v == "true" || v == "on" || v == "yes" || v == "enabled"; }

double parse_number(const std::string& text, std::string_view what) {
  std::size_t pos = 0;
  double v = 0;
  try {
    v = std::stod(text, &pos);
  } catch (...) {
    pos = 0;
  }
  if (pos == 0 || pos != text.size() || !(v >= 0))
    throw UsageError(fmt::format("{}: '{}' is not a number", what, text), "write e.g. 0.6, 60% or disabled");
  return v;
}

// "0.6" -> 0.6, "60%" -> 0.6
double parse_ratio(const std::string& text, std::string_view what) {
  bool pct = !text.empty() && text.back() == '%';
  double v = parse_number(pct ? text.substr(0, text.size() - 1) : text, what);
  if (pct) v /= 100;
  if (v > 1) throw UsageError(fmt::format("{}: '{}' is above 1", what, text), "write a ratio like 0.6 or 60%");
  return v;
}

// "10" or "10%" -> 10
double parse_percent(const std::string& text, std::string_view what) {
  bool pct = !text.empty() && text.back() == '%';
  double v = parse_number(pct ? text.substr(0, text.size() - 1) : text, what);
  if (v > 100) throw UsageError(fmt::format("{}: '{}' is above 100%", what, text), "write a percent like 10 or 10%");
  return v;
}

std::string yaml_scalar_text(const YAML::Node& node, const std::string& key, std::string_view path) {
  if (!node.IsScalar())
    throw Error(fmt::format("{}: rule '{}' must be a single value", path, key), "write e.g. 500MiB, 0.6 or disabled");
  return node.Scalar();
}

}  // namespace

const std::vector<std::string>& ci_rule_names() {
  static const std::vector<std::string> names = {"max-volatile-bytes", "min-stable-ratio",   "max-layer-size",
                                                 "max-wasted-bytes",   "max-wasted-percent", "no-duplicate-layers",
                                                 "no-model-weights"};
  return names;
}

void set_ci_rule(CiRules& rules, std::string_view name, std::string_view value, std::string_view where) {
  std::string rule = normalise(name);
  std::string v = trimmed_lower(value);
  std::string what = fmt::format("{} {}", where, rule);
  bool off = is_off(v);
  if (rule == "max-volatile-bytes") {
    rules.max_volatile_bytes = off ? std::nullopt : std::optional(parse_bytes(v, what));
  } else if (rule == "min-stable-ratio") {
    rules.min_stable_ratio = off ? std::nullopt : std::optional(parse_ratio(v, what));
  } else if (rule == "max-layer-size") {
    rules.max_layer_bytes = off ? std::nullopt : std::optional(parse_bytes(v, what));
  } else if (rule == "max-wasted-bytes") {
    rules.max_wasted_bytes = off ? std::nullopt : std::optional(parse_bytes(v, what));
  } else if (rule == "max-wasted-percent") {
    rules.max_wasted_percent = off ? std::nullopt : std::optional(parse_percent(v, what));
  } else if (rule == "no-duplicate-layers" || rule == "no-model-weights") {
    if (!off && !is_on(v))
      throw UsageError(fmt::format("{}: '{}' is not true or false", what, value), "write true, false or disabled");
    (rule == "no-duplicate-layers" ? rules.no_duplicate_layers : rules.no_model_weights) = !off;
  } else {
    throw UsageError(fmt::format("{}: unknown CI rule '{}'", where, name),
                     fmt::format("known rules: {}", fmt::join(ci_rule_names(), ", ")));
  }
}

void apply_ci_config(CiRules& rules, std::string_view yaml_text, std::string_view path) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    throw Error(fmt::format("{}: not valid YAML: {}", path, e.msg), "see docs/analyze.md for the rules file format");
  }
  if (root.IsNull()) return;
  if (!root.IsMap()) throw Error(fmt::format("{}: expected a map of rules", path), "see examples/ci/.coldstart-ci.yaml");
  YAML::Node map = root;
  if (root["rules"]) {
    if (root.size() != 1) throw Error(fmt::format("{}: only 'rules:' is allowed at the top level", path));
    map = root["rules"];
    if (map.IsNull()) return;
    if (!map.IsMap()) throw Error(fmt::format("{}: 'rules' must be a map of rule: value", path));
  }
  for (const auto& entry : map) {
    // A complex key ("? [a, b]: x") would throw yaml-cpp's own BadConversion from as<string>().
    if (!entry.first.IsScalar())
      throw Error(fmt::format("{}: rule names must be plain words, line {}", path, entry.first.Mark().line + 1),
                  "see examples/ci/.coldstart-ci.yaml");
    std::string key = entry.first.as<std::string>();
    set_ci_rule(rules, key, yaml_scalar_text(entry.second, key, path), path);
  }
}

std::string_view to_string(CiStatus status) {
  switch (status) {
    case CiStatus::pass: return "PASS";
    case CiStatus::fail: return "FAIL";
    case CiStatus::skip: return "SKIP";
  }
  return "SKIP";
}

std::size_t CiResult::failures() const {
  return static_cast<std::size_t>(
      std::count_if(checks.begin(), checks.end(), [](const CiCheck& c) { return c.status == CiStatus::fail; }));
}

CiResult evaluate_ci_rules(const Plan& plan, const CiRules& rules) {
  CiResult result;
  auto add = [&](std::string rule, bool ok, std::string message) {
    result.checks.push_back({std::move(rule), ok ? CiStatus::pass : CiStatus::fail, std::move(message)});
  };
  auto skip = [&](std::string rule, std::string message) {
    result.checks.push_back({std::move(rule), CiStatus::skip, std::move(message)});
  };
  for (const auto& image : plan.images) {
    const std::string& repo = image.repository;
    if (rules.max_volatile_bytes) {
      bool ok = image.p2p_bytes <= *rules.max_volatile_bytes;
      add("max-volatile-bytes", ok,
          fmt::format("{}: {} volatile per release {} {}", repo, format_bytes(image.p2p_bytes), ok ? "<=" : ">",
                      format_bytes(*rules.max_volatile_bytes)));
    }
    if (rules.min_stable_ratio) {
      double ratio = image.image_bytes ? static_cast<double>(image.cache_bytes) / static_cast<double>(image.image_bytes) : 1.0;
      bool ok = ratio + 1e-12 >= *rules.min_stable_ratio;
      add("min-stable-ratio", ok,
          fmt::format("{}: stable {} of {} {} {}", repo, format_percent(ratio), format_bytes(image.image_bytes),
                      ok ? ">=" : "<", format_percent(*rules.min_stable_ratio)));
    }
    if (rules.max_layer_bytes) {
      bool any = false;
      for (std::size_t p = 0; p < image.newest().layers.size(); ++p) {
        const auto& l = image.newest().layers[p];
        if (l.size <= *rules.max_layer_bytes) continue;
        any = true;
        add("max-layer-size", false,
            fmt::format("{}: layer {} ({}) is {} > {}", repo, p, short_digest(l.id), format_bytes(l.size),
                        format_bytes(*rules.max_layer_bytes)));
      }
      if (!any)
        add("max-layer-size", true,
            fmt::format("{}: every layer <= {}", repo, format_bytes(*rules.max_layer_bytes)));
    }
    if (rules.max_wasted_bytes) {
      if (!image.deep) {
        skip("max-wasted-bytes", repo + ": needs --deep");
      } else {
        bool ok = image.deep->wasted_bytes <= *rules.max_wasted_bytes;
        add("max-wasted-bytes", ok,
            fmt::format("{}: {} wasted {} {}", repo, format_bytes(image.deep->wasted_bytes), ok ? "<=" : ">",
                        format_bytes(*rules.max_wasted_bytes)));
      }
    }
    if (rules.max_wasted_percent) {
      if (!image.deep) {
        skip("max-wasted-percent", repo + ": needs --deep");
      } else {
        double pct = image.deep->wasted_ratio * 100;
        bool ok = pct <= *rules.max_wasted_percent + 1e-9;
        add("max-wasted-percent", ok,
            fmt::format("{}: {:.1f}% of added bytes wasted {} {:.1f}%", repo, pct, ok ? "<=" : ">",
                        *rules.max_wasted_percent));
      }
    }
    auto hints_of = [&](const std::string& kind) {
      std::vector<const Hint*> found;
      for (const auto& h : plan.hints)
        if (h.kind == kind && h.repository == repo) found.push_back(&h);
      return found;
    };
    if (rules.no_duplicate_layers) {
      auto found = hints_of("duplicate_layer");
      for (const Hint* h : found)
        add("no-duplicate-layers", false,
            fmt::format("{}: layer {} duplicated ({})", repo, short_digest(h->layer_id), h->evidence));
      if (found.empty()) add("no-duplicate-layers", true, repo + ": no layer appears twice");
    }
    if (rules.no_model_weights) {
      auto found = hints_of("model_weights");
      for (const Hint* h : found)
        add("no-model-weights", false,
            fmt::format("{}: model weights in the image, {} ({})", repo, format_bytes(h->bytes), h->evidence));
      if (found.empty())
        add("no-model-weights", true,
            fmt::format("{}: no model weights found ({})", repo,
                        image.deep ? "--deep file scan" : "manifest-level: build steps and layer sizes"));
    }
  }
  return result;
}

std::string render_ci_lines(const CiResult& result) {
  std::string out;
  for (const auto& c : result.checks) out += fmt::format("{} {}: {}\n", to_string(c.status), c.rule, c.message);
  std::size_t failed = result.failures();
  out += failed ? fmt::format("CI gate failed: {} violation(s)\n", failed) : "CI gate passed\n";
  return out;
}

nlohmann::ordered_json ci_result_to_json(const CiResult& result, const CiRules& rules) {
  using json = nlohmann::ordered_json;
  auto opt = [](const auto& v) { return v ? json(*v) : json(nullptr); };
  json doc;
  doc["passed"] = result.failures() == 0;
  doc["failures"] = result.failures();
  doc["rules"] = {{"max_volatile_bytes", opt(rules.max_volatile_bytes)},
                  {"min_stable_ratio", opt(rules.min_stable_ratio)},
                  {"max_layer_bytes", opt(rules.max_layer_bytes)},
                  {"max_wasted_bytes", opt(rules.max_wasted_bytes)},
                  {"max_wasted_percent", opt(rules.max_wasted_percent)},
                  {"no_duplicate_layers", rules.no_duplicate_layers},
                  {"no_model_weights", rules.no_model_weights}};
  json checks = json::array();
  for (const auto& c : result.checks)
    checks.push_back({{"rule", c.rule}, {"status", std::string(to_string(c.status))}, {"message", c.message}});
  doc["checks"] = checks;
  return doc;
}

}  // namespace coldstart::analyze
