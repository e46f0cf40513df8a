// coldstart prewarm files PATH...: model weights into the page cache before the pod reads them.
#include <cstdio>
#include <memory>
#include <thread>

#include "cli.hpp"
#include "coldstart/cluster/file_set.hpp"
#include "coldstart/cluster/page_lock.hpp"
#include "coldstart/cluster/prewarm_files.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/log.hpp"
#include "coldstart/core/units.hpp"

namespace coldstart::cli {

namespace {
struct FilesFlags {
  std::vector<std::string> paths;
  bool lock = false;
  bool evict = false;
  bool check = false;
  unsigned threads = 4;
  std::string chunk_size = "32MiB";
  std::string max_bytes;
};

cluster::FilesMode mode_of(const FilesFlags& f) {
  if (f.lock + f.evict + f.check > 1) throw UsageError("prewarm files: --lock, --evict and --check exclude each other");
  if (f.lock) return cluster::FilesMode::lock;
  if (f.evict) return cluster::FilesMode::evict;
  if (f.check) return cluster::FilesMode::check;
  return cluster::FilesMode::warm;
}
}  // namespace

void register_prewarm_files(CLI::App& prewarm, GlobalOptions& global) {
  auto* cmd = prewarm.add_subcommand("files", "Warm files (model weights) into the page cache; report residency before and after");
  auto flags = std::make_shared<FilesFlags>();
  cmd->add_option("PATH", flags->paths, "Files, directories (recursive) or globs")->required();
  cmd->add_flag("--lock", flags->lock, "Warm, then keep the pages resident (mlock) until SIGINT/SIGTERM, like vmtouch -l");
  cmd->add_flag("--evict", flags->evict, "Drop the files from the page cache (like vmtouch -e)");
  cmd->add_flag("--check", flags->check, "Only report residency; change nothing");
  cmd->add_option("--threads", flags->threads, "Parallel readers")->check(CLI::Range(1u, 64u))->capture_default_str();
  cmd->add_option("--chunk-size", flags->chunk_size, "Bytes one reader claims at a time")->capture_default_str();
  cmd->add_option("--max-bytes", flags->max_bytes, "Warm at most this much (default: 90% of MemAvailable)");
  cmd->footer(
      "Examples:\n"
      "  coldstart prewarm files /models/sd-xl            # a directory, recursively\n"
      "  coldstart prewarm files '/models/*.safetensors' -o json\n"
      "  coldstart prewarm files --check /models\n"
      "  coldstart prewarm files --lock /models/llm       # stays in the foreground; Ctrl-C releases\n"
      "  coldstart prewarm files --evict /models");
  set_action(cmd, [&global, flags] {
    OutputFormat format = global.format();
    cluster::PrewarmFilesOptions options;
    options.mode = mode_of(*flags);
    options.warm.threads = flags->threads;
    options.warm.chunk_bytes = parse_bytes(flags->chunk_size, "--chunk-size");
    if (options.warm.chunk_bytes < 4096) throw UsageError("prewarm files: --chunk-size must be at least 4 KiB");
    if (!flags->max_bytes.empty()) {
      options.max_bytes = parse_bytes(flags->max_bytes, "--max-bytes");
      if (options.max_bytes == 0) throw UsageError("prewarm files: --max-bytes must be more than 0");
    }
    auto files = cluster::expand_paths(flags->paths);
    // Before any reader thread starts, so that only sigwait below receives the stop signals.
    if (options.mode == cluster::FilesMode::lock) cluster::block_stop_signals();
    cluster::PageLock lock;
    auto report = cluster::prewarm_files(files, options, &lock);
    std::string table = format == OutputFormat::table ? cluster::render_prewarm_files_table(report) : "";
    std::string markdown = format == OutputFormat::markdown ? cluster::render_prewarm_files_table(report, true) : "";
    print_document(format, cluster::prewarm_files_to_json(report), table, markdown);
    if (!report.fits() && format != OutputFormat::table)
      log::warn("only {} of {} fit in the budget of {}; the rest stays cold", format_bytes(report.size_bytes - report.not_warmed_bytes),
                format_bytes(report.size_bytes), format_bytes(report.budget_bytes));
    if (options.mode == cluster::FilesMode::lock) {
      std::fflush(stdout);
      if (format != OutputFormat::table) log::info("holding {} locked until SIGINT/SIGTERM", format_bytes(report.locked_bytes));
      int sig = cluster::wait_for_stop_signal();
      log::debug("signal {}: releasing the locked pages", sig);
    }
    return 0;
  });
}

}  // namespace coldstart::cli
