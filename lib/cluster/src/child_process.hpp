// Internal: a child process fed through a pipe on its stdin, its stdout and stderr collected
// (capped) by a thread so it can never block on a full output pipe.
#pragma once
#include <sys/types.h>

#include <string>
#include <thread>
#include <vector>

namespace coldstart::cluster::detail {

class ChildProcess {
 public:
  // Starts argv[0] (a bare name is looked up on PATH). Throws Error when it cannot be started;
  // `missing_hint` is what the message tells the user to do when the program does not exist.
  ChildProcess(const std::vector<std::string>& argv, const std::string& missing_hint);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  int stdin_fd() const { return stdin_fd_; }
  void close_stdin();
  void kill();  // SIGKILL; wait() still has to be called

  struct Exit {
    bool exited = false;  // false: killed by a signal
    int code = 0;         // exit code, or the signal number
    std::string output;   // stdout and stderr interleaved, last 64 KiB
    bool ok() const { return exited && code == 0; }
    std::string last_line() const;  // the last non-empty line of output
  };
  Exit wait();

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int output_fd_ = -1;
  std::string output_;
  std::thread reader_;
};

// Blocks SIGPIPE in this thread while it writes into a pipe whose reader may die (the write then
// fails with EPIPE instead of killing the process); a SIGPIPE left pending is consumed on exit.
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock();
  ~ScopedSigpipeBlock();
  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;

 private:
  bool was_blocked_ = false;
};

}  // namespace coldstart::cluster::detail
