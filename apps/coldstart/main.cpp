// coldstart: cut the cold start of AI inference services on Kubernetes.
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/log.hpp"
#include "coldstart/core/one_line.hpp"
#include "coldstart/core/units.hpp"

namespace coldstart::cli {

static Action g_action;
void set_action(CLI::App* command, Action action) {
  command->callback([action] { g_action = action; });
}

image::SourceOptions GlobalOptions::source_options() const {
  image::SourceOptions o;
  o.platform = image::Platform::parse(platform);
  o.plain_http.insert(plain_http.begin(), plain_http.end());
  o.insecure.insert(insecure.begin(), insecure.end());
  o.ca_cert = ca_cert;
  o.timeout_seconds = timeout_seconds();
  o.username = username;
  if (password_stdin) {
    static std::string cached;
    static bool read = false;
    if (!read) {
      std::getline(std::cin, cached);
      while (!cached.empty() && (cached.back() == '\r' || cached.back() == '\n')) cached.pop_back();
      read = true;
    }
    if (username.empty()) throw UsageError("--password-stdin needs --username");
    o.password = cached;
  } else if (!username.empty()) {
    static bool warned = false;  // source_options may be built once per image
    if (!warned) log::warn("--username without --password-stdin sends an empty password; pipe the password to --password-stdin");
    warned = true;
  }
  return o;
}

double GlobalOptions::timeout_seconds() const {
  if (timeout.empty()) return kDefaultTimeoutSeconds;
  double seconds = parse_duration(timeout, "--timeout");
  if (!(seconds > 0)) throw UsageError("--timeout must be positive", "e.g. --timeout 30s or --timeout 2m");
  return seconds;
}

}  // namespace coldstart::cli

int main(int argc, char** argv) {
  using namespace coldstart;
  CLI::App app{"coldstart: cut the cold start of AI inference services on Kubernetes.\n"
               "Find the stable and volatile layers of your images, plan node caches and P2P,\n"
               "and emit predictive autoscaling (AHPA) policies from your own metrics."};
  app.name("coldstart");
  app.require_subcommand(1);
  app.fallthrough();  // global flags may follow the command name
  app.set_version_flag("--version", std::function<std::string()>(cli::version_text),
                       "Print the version, the git commit and the library versions");
  cli::use_guiding_help(app);
  app.footer(
      "Examples:\n"
      "  coldstart inspect oci:examples/images/aigc:v1\n"
      "  coldstart inspect --plain-http 127.0.0.1:5000 127.0.0.1:5000/aigc/sd:v3 -o json\n"
      "  coldstart analyze oci:examples/images/aigc:v1 oci:examples/images/aigc:v2 oci:examples/images/aigc:v3\n"
      "  coldstart ahpa recommend examples/metrics/nyc_taxi.csv --capacity-per-pod 2000 --ready-time 180s\n"
      "  coldstart ahpa backtest examples/metrics/nyc_taxi.csv --capacity-per-pod 2000 --ready-time 180s\n"
      "\nExit codes: 0 ok, 1 error, 2 usage, 3 a CI gate failed.");

  cli::GlobalOptions global;
  app.add_option("-o,--output", global.output, "Output format: table, json, yaml, markdown or csv (csv: bench only)")
      ->check(CLI::IsMember({"table", "json", "yaml", "markdown", "md", "csv"}));
  app.add_option("--platform", global.platform, "Platform to select from an index: os/arch[/variant]");
  app.add_option("--plain-http", global.plain_http, "Registry (host[:port]) to reach over plain HTTP; repeatable")
      ->expected(1)->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--insecure", global.insecure, "Registry whose TLS certificate is not verified; repeatable")
      ->expected(1)->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--ca-cert", global.ca_cert, "Extra CA certificate bundle (PEM) for registries")->check(CLI::ExistingFile);
  app.add_option("--timeout", global.timeout,
                 "Longest wait for each registry, token or Prometheus request, retries included (e.g. 30s, 2m); "
                 "for layer downloads, the longest wait for an answer or a stall (default 60s)");
  app.add_option("--max-inflate-ratio", global.max_inflate_ratio,
                 "Refuse a layer that inflates past 1 GiB to more than N times its compressed size "
                 "(a decompression bomb); 0 = no limit")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--max-document-size", global.max_document_size,
                 "Largest manifest, index or config read (about 25 000 layers fit in 4MiB)")
      ->capture_default_str();
  app.add_option("--username", global.username, "Registry user name");
  app.add_flag("--password-stdin", global.password_stdin, "Read the registry password from standard input");
  app.add_flag("-q,--quiet", global.quiet, "Print only results and errors");
  app.add_flag("-v,--verbose", global.verbose, "Print debug details on stderr");
  app.add_flag("--no-trunc", global.no_trunc, "Print table cells whole (by default tables fit a terminal's width)");

  cli::register_inspect(app, global);
  cli::register_analyze(app, global);
  cli::register_ahpa(app, global);
  cli::register_prewarm(app, global);
  cli::register_bench(app, global);
  cli::register_completion(app);
  // Each command's help lists the global flags that do something for it (what its cmd_*.cpp reads).
  const std::vector<std::string> registry{"platform", "plain-http", "insecure", "ca-cert", "timeout", "username",
                                          "password-stdin"};
  auto command = [&app](const std::string& path) {
    CLI::App* c = &app;
    for (const auto& name : CLI::detail::split(path, ' ')) c = c->get_subcommand(name);
    return c;
  };
  cli::hide_global_flags_in_help(command("ahpa"), {"platform", "plain-http"});  // Prometheus: TLS, auth, timeout
  cli::hide_global_flags_in_help(command("prewarm manifests"),  // --platform/--plain-http go into the manifests
                                 {"insecure", "ca-cert", "timeout", "username", "password-stdin"});
  for (const char* offline : {"prewarm files", "bench load", "bench simulate", "completion"})
    cli::hide_global_flags_in_help(command(offline), registry);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string hint = cli::suggest_for_parse_error(app, argc, argv);
    if (!hint.empty())
      std::fprintf(stderr, "coldstart: %s\n", hint.c_str());
    else
      std::fprintf(stderr, "coldstart: %s (see coldstart --help)\n", one_line(e.what()).c_str());
    return static_cast<int>(ExitCode::usage);
  }
  image::set_max_inflate_ratio(global.max_inflate_ratio);
  try {
    auto bytes = parse_bytes(global.max_document_size, "--max-document-size");
    if (bytes == 0) throw UsageError("--max-document-size must be positive", "e.g. --max-document-size 16MiB");
    image::set_max_document_bytes(static_cast<std::size_t>(bytes));
  } catch (const Error& e) {
    std::fprintf(stderr, "coldstart: %s\n", one_line(e.what()).c_str());
    return static_cast<int>(ExitCode::usage);
  }
  log::set_level(global.quiet ? log::Level::quiet : global.verbose ? log::Level::debug : log::Level::info);
  winsize terminal{};
  if (!global.no_trunc && ::isatty(STDOUT_FILENO) == 1 && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &terminal) == 0 &&
      terminal.ws_col >= 40)
    set_table_width(terminal.ws_col);
  try {
    return cli::g_action ? cli::g_action() : 0;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "coldstart: %s\n", one_line(e.what()).c_str());
    return static_cast<int>(ExitCode::usage);
  } catch (const GateFailed& e) {
    std::fprintf(stderr, "coldstart: %s\n", one_line(e.what()).c_str());
    return static_cast<int>(ExitCode::gate_failed);
  } catch (const Error& e) {
    std::fprintf(stderr, "coldstart: error: %s\n", one_line(e.what()).c_str());
    return static_cast<int>(ExitCode::error);
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "coldstart: error: out of memory\n");
    return static_cast<int>(ExitCode::error);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "coldstart: error: %s\n", one_line(e.what()).c_str());
    return static_cast<int>(ExitCode::error);
  }
}
