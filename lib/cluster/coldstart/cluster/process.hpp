// Running a peer tool (skopeo, ctr, containerd, coldstart itself) as a child process: argv only,
// no shell, its output to a log file, its wall time measured.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace coldstart::cluster {

struct ProcessResult {
  int exit_code = -1;     // the exit status, or 128+signal
  double seconds = 0;     // wall time from fork to exit
};

// Runs argv[0] (looked up in PATH) and waits. stdout and stderr go to `log` (appended; /dev/null
// when empty). `env` entries "NAME=VALUE" are added to the environment. Throws Error when it
// cannot start.
ProcessResult run_process(const std::vector<std::string>& argv, const std::filesystem::path& log = {},
                          const std::vector<std::string>& env = {});

// The full path of `name` in PATH, or empty when it is not installed.
std::filesystem::path find_program(const std::string& name);

// The last `lines` lines of a log, joined by "; ", for one-line error messages.
std::string log_tail(const std::filesystem::path& log, int lines = 2);

}  // namespace coldstart::cluster
