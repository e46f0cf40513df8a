// coldstart analyze: layer stability across versions -> cache/P2P plan, hints, CI gate; --deep for files.
// Flags become an analyze::AnalyzeRequest; analyze::analyze_images does the work; this file renders.
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <string_view>

#include "cli.hpp"
#include "coldstart/analyze/analyze_images.hpp"
#include "coldstart/analyze/analyze_report.hpp"
#include "coldstart/analyze/ci_rules.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/file.hpp"
#include "coldstart/core/log.hpp"
#include "coldstart/core/progress.hpp"
#include "coldstart/core/units.hpp"

namespace coldstart::cli {

namespace {

struct AnalyzeOptions {
  std::vector<std::string> images;
  std::size_t history = 0;
  std::string tags_regex = ".*";
  double stable_min_reuse = 0.5;
  std::size_t window = 10;
  std::string model_layer_min_size = "1GiB";
  bool deep = false;
  std::size_t top = 10;
  std::uint64_t max_entries = analyze::kDefaultMaxEntries;
  std::string plan_out;
  bool ci = false;
  std::string ci_config;
  std::map<std::string, std::string> rule_values;
  unsigned jobs = 8;
};

// Flags -> request; the CI rules, sizes and source options are added by run_analyze.
analyze::AnalyzeRequest make_request(const AnalyzeOptions& o) {
  analyze::AnalyzeRequest request;
  request.images = o.images;
  request.history = o.history;
  request.tags_regex = o.tags_regex;
  request.stability = {o.stable_min_reuse, o.window};
  request.deep = o.deep;
  request.deep_options.top = o.top;
  request.deep_options.max_entries = o.max_entries;
  request.jobs = o.jobs;
  return request;
}

int run_analyze(const AnalyzeOptions& o, const GlobalOptions& global) {
  if (o.history == 0 && o.images.empty()) throw UsageError("analyze needs at least one IMAGE");
  const OutputFormat format = global.format();
  analyze::AnalyzeRequest request = make_request(o);
  // CI=true (GitHub Actions, GitLab CI and most others set it) turns the gate on, as it does for dive.
  const char* ci_env = std::getenv("CI");
  bool ci_from_env = ci_env != nullptr && std::string_view(ci_env) == "true";
  if (ci_from_env && !o.ci) log::debug("CI=true: checking the CI rules (as --ci)");
  if (o.ci || ci_from_env || !o.ci_config.empty() || !o.rule_values.empty()) {
    // A bad rules file fails before any network work.
    std::filesystem::path config = o.ci_config;
    if (config.empty() && std::filesystem::exists(".coldstart-ci.yaml")) config = ".coldstart-ci.yaml";
    request.ci = analyze::load_ci_rules(config, o.rule_values);
  }
  request.hints.model_layer_min_bytes = parse_bytes(o.model_layer_min_size, "--model-layer-min-size");
  request.source_options = global.source_options();

  // --deep streams whole layers: a bar on a terminal, a plain line now and then otherwise.
  std::shared_ptr<ProgressBar> bar;
  std::size_t layers = 0;
  const ProgressMode mode = ProgressBar::mode_for(global.quiet);
  request.deep_options.on_start = [&](const std::string& image, std::uint64_t total, std::size_t count) {
    bar.reset();
    bar = std::make_shared<ProgressBar>(total, mode, "coldstart: analyze --deep " + image);
    layers = count;
    bar->set_label(fmt::format("layer 0/{}", count));
    if (mode == ProgressMode::bar) bar->draw(true);  // at once on a terminal; plain lines wait their turn
  };
  request.deep_options.on_bytes = [&](std::uint64_t n) {
    if (!bar) return;
    bar->add(n);
    bar->draw();
  };
  request.deep_options.on_layer_done = [&](std::size_t, std::size_t done) {
    if (!bar) return;
    bar->set_label(fmt::format("layer {}/{}", done, layers));
    bar->draw();
  };
  analyze::AnalyzeResult result = analyze::analyze_images(request);
  bar.reset();  // erases the bar before the report
  if (!o.plan_out.empty()) {
    write_file_atomic(o.plan_out, json_to_text(analyze::analyze_plan_json(result)));
    log::info("plan written to {}", o.plan_out);
  }
  print_document(format, analyze::analyze_result_json(result), analyze::render_analyze_text(result),
                 analyze::render_analyze_markdown(result));
  if (result.gate && result.gate->failures() > 0)
    throw GateFailed(fmt::format("CI gate failed: {} rule violation(s), listed above", result.gate->failures()));
  return 0;
}

}  // namespace

void register_analyze(CLI::App& app, GlobalOptions& global) {
  auto o = std::make_shared<AnalyzeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "analyze",
      "Split layers into stable (node cache) and volatile (P2P) across versions; plan, hints, CI gate");
  cmd->footer(
      "Examples:\n"
      "  coldstart analyze oci:examples/images/aigc:v1 oci:examples/images/aigc:v2 oci:examples/images/aigc:v3\n"
      "  coldstart analyze --plain-http 127.0.0.1:5000 --history 10 --tags '^v[0-9]+$' 127.0.0.1:5000/aigc/sd\n"
      "  coldstart analyze oci:examples/images/aigc:v5 oci:examples/images/llm:v2 -o json --plan-out plan.json\n"
      "  coldstart analyze --ci --max-volatile-bytes 500MiB oci:examples/images/aigc:v4 oci:examples/images/aigc:v5\n"
      "Exit codes: 0 ok, 1 error, 2 usage, 3 the CI gate failed (violations listed on stdout).");
  cmd->add_option("images", o->images, "Images (any transport); versions of one repository form a series")
      ->type_name("IMAGE");
  cmd->add_option("--history", o->history, "Analyse the N newest tags of one repository (by config created)")
      ->type_name("N");
  cmd->add_option("--tags", o->tags_regex, "With --history: only tags matching this regular expression (whole tag)")
      ->type_name("REGEX");
  cmd->add_option("--stable-min-reuse", o->stable_min_reuse,
                  "A layer is stable when its place was reused in at least this share of recent releases")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--window", o->window, "Recent releases looked at for the stable/volatile split")
      ->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--model-layer-min-size", o->model_layer_min_size,
                  "A volatile layer this big is reported as probable model weights")->capture_default_str();
  cmd->add_flag("--deep", o->deep, "Stream every layer of the newest version: files, waste, model weights");
  cmd->add_option("--top", o->top, "With --deep: largest files and directories listed")->capture_default_str();
  cmd->add_option("--max-entries", o->max_entries,
                  "With --deep: refuse an image with more tar entries than this in all its layers (0: no limit)")
      ->capture_default_str();
  cmd->add_option("--plan-out", o->plan_out, "Also write the plan as JSON to FILE (atomically)")->type_name("FILE");
  cmd->add_option("-j,--jobs", o->jobs, "Images resolved at once")->capture_default_str()->check(CLI::Range(1, 64));
  cmd->add_flag("--ci", o->ci, "Check CI rules (.coldstart-ci.yaml here, --ci-config, or rule flags); exit 3 on a breach. "
                "CI=true in the environment implies it, as for dive");
  cmd->add_option("--ci-config", o->ci_config, "CI rules file (implies --ci)")->type_name("FILE");
  for (const auto& rule : analyze::ci_rule_names()) {
    cmd->add_option_function<std::string>(
           "--" + rule, [o, rule](const std::string& value) { o->rule_values[rule] = value; },
           "CI rule override (implies --ci); 'disabled' switches it off")
        ->type_name("VALUE");
  }
  set_action(cmd, [o, &global, cmd] {
    if (cmd->count("--tags") > 0 && o->history == 0)
      log::warn("--tags has no effect without --history N (it filters the tags --history lists)");
    if (cmd->count("--top") > 0 && !o->deep) log::warn("--top has no effect without --deep");
    return run_analyze(*o, global);
  });
}

}  // namespace coldstart::cli
