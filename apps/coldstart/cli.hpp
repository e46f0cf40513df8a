// Shared CLI plumbing: global flags and one register_* function per command group.
// Command files turn flags into library calls and render results; no logic lives here.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

#include "coldstart/core/output.hpp"
#include "coldstart/image/layer_stream.hpp"
#include "coldstart/image/source.hpp"

namespace coldstart::cli {

// --timeout when not given, for every command (registry, token and Prometheus requests): long
// enough for retries with back-off on a loaded registry, short enough that a silent one fails
// in a minute rather than the 2.5 minutes of the low-speed rule and four retries.
constexpr double kDefaultTimeoutSeconds = 60;

struct GlobalOptions {
  std::string output = "table";
  std::string platform = "linux/amd64";
  std::vector<std::string> plain_http;
  std::vector<std::string> insecure;
  std::string ca_cert;
  std::string timeout;  // --timeout DURATION ("30s", "2m"); empty = kDefaultTimeoutSeconds
  std::string username;
  bool password_stdin = false;
  bool quiet = false;
  bool verbose = false;
  double max_inflate_ratio = image::kDefaultMaxInflateRatio;  // --max-inflate-ratio; 0 = none
  std::string max_document_size = "4MiB";  // --max-document-size: manifests, indexes, configs
  bool no_trunc = false;  // tables whole instead of fitted to the terminal

  OutputFormat format() const { return parse_output_format(output); }
  // Builds SourceOptions; reads the password from stdin once when --password-stdin is set.
  image::SourceOptions source_options() const;
  // --timeout in seconds; kDefaultTimeoutSeconds when not given. Throws UsageError when malformed.
  double timeout_seconds() const;
};

// A command's body runs after parsing, inside main's error handling; it returns the exit code.
using Action = std::function<int()>;
void set_action(CLI::App* command, Action action);

// Help, suggestions, completion and the man page, all generated from the one CLI11 tree.
void use_guiding_help(CLI::App& app);  // before any subcommand is added: they inherit it
// Global flags (long names) that do nothing for a command (and its subcommands): its help leaves them out.
void hide_global_flags_in_help(const CLI::App* command, const std::vector<std::string>& long_names);
// A "did you mean ..." line for a mistyped command or flag in argv; empty when there is none.
std::string suggest_for_parse_error(const CLI::App& root, int argc, const char* const* argv);
std::string version_text();
void register_completion(CLI::App& app);  // `completion bash|zsh|fish` and the hidden `man`
std::string completion_script(const CLI::App& root, const std::string& shell);
std::string man_page(const CLI::App& root, const std::string& version);

void register_inspect(CLI::App& app, GlobalOptions& global);
void register_analyze(CLI::App& app, GlobalOptions& global);
void register_ahpa(CLI::App& app, GlobalOptions& global);
void register_prewarm(CLI::App& app, GlobalOptions& global);
// prewarm's subcommands, one file each (cmd_prewarm_<name>.cpp).
void register_prewarm_pull(CLI::App& prewarm, GlobalOptions& global);
void register_prewarm_files(CLI::App& prewarm, GlobalOptions& global);
void register_prewarm_manifests(CLI::App& prewarm, GlobalOptions& global);
void register_bench(CLI::App& app, GlobalOptions& global);
// bench's subcommands, one file each (cmd_bench_<name>.cpp).
void register_bench_pull(CLI::App& bench, GlobalOptions& global);
void register_bench_load(CLI::App& bench, GlobalOptions& global);
void register_bench_simulate(CLI::App& bench, GlobalOptions& global);

}  // namespace coldstart::cli
