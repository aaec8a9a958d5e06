#pragma once
// Child processes for tests: spawn with fork/exec in their own process group, wait with a
// deadline, run a command to completion and keep what it printed.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace tern::test {

struct ExitStatus {
  bool exited = false;     // exit() was called; else a signal ended it or it never ended
  int code = -1;           // when exited
  int signal = 0;          // when killed by a signal
  bool timed_out = false;  // it outlived the deadline and was killed with SIGKILL

  bool clean() const { return exited && code == 0; }
  std::string describe() const;
};

// Starts argv[0] (a path, not searched in $PATH) with stdout and stderr sent to the given
// files, in a new process group, killed if the test process dies (PR_SET_PDEATHSIG) so a
// crashed test never leaves a server behind. `env` (NAME=VALUE each) is added to the
// test's own environment, replacing a variable of the same name. Returns the pid, or -1
// with errno set.
pid_t spawn(const std::vector<std::string>& argv, const std::filesystem::path& stdout_path,
            const std::filesystem::path& stderr_path, const std::vector<std::string>& env = {});

// Reaps the child if it has ended, without blocking.
struct PollResult {
  bool running = true;
  ExitStatus status;
};
PollResult poll_exit(pid_t pid);

// Waits up to `timeout`; past it the whole process group gets SIGKILL and the status says
// timed_out.
ExitStatus wait_for_exit(pid_t pid, std::chrono::milliseconds timeout);

struct CommandResult {
  ExitStatus status;
  std::string out;
  std::string err;
};
// Runs argv to completion (bounded by `timeout`), its output kept in files under `dir`. A
// sanitizer's report in its stderr fails the test, whatever its exit status.
CommandResult run_command(const std::vector<std::string>& argv, const std::filesystem::path& dir,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace tern::test
