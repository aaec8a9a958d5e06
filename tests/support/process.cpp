#include "tests/support/process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "tests/support/sanitizers.h"
#include "tests/support/temp_dir.h"

namespace tern::test {
namespace {

ExitStatus from_wait_status(int status) {
  ExitStatus s;
  if (WIFEXITED(status)) {
    s.exited = true;
    s.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    s.signal = WTERMSIG(status);
  }
  return s;
}

// Between fork and exec only async-signal-safe calls: the test process has threads.
[[noreturn]] void exec_child(char* const* argv, char* const* envp, const char* out,
                             const char* err) {
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  int null_in = open("/dev/null", O_RDONLY);
  int out_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int err_fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (null_in < 0 || out_fd < 0 || err_fd < 0) _exit(126);
  dup2(null_in, 0);
  dup2(out_fd, 1);
  dup2(err_fd, 2);
  // Sockets the test holds must not live on in the child: a TCP client the test closes
  // has to close for real.
  close_range(3, ~0U, 0);
  execve(argv[0], argv, envp);
  static constexpr char kMsg[] = "spawn: execv failed\n";
  ssize_t ignored = write(2, kMsg, sizeof kMsg - 1);
  (void)ignored;
  _exit(127);
}

// The test's environment with `extra` added; a NAME=... in `extra` replaces NAME.
std::vector<std::string> environment_with(const std::vector<std::string>& extra) {
  std::vector<std::string> out;
  auto name_of = [](const std::string& entry) { return entry.substr(0, entry.find('=')); };
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    const bool replaced = std::any_of(extra.begin(), extra.end(), [&](const std::string& x) {
      return name_of(x) == name_of(entry);
    });
    if (!replaced) out.push_back(std::move(entry));
  }
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

}  // namespace

std::string ExitStatus::describe() const {
  std::string d;
  if (exited) {
    d = "exit code " + std::to_string(code);
  } else if (signal != 0) {
    d = std::string("killed by signal ") + std::to_string(signal) + " (" + strsignal(signal) + ")";
  } else {
    d = "did not exit";
  }
  if (timed_out) d += " after the deadline passed and SIGKILL was sent";
  return d;
}

pid_t spawn(const std::vector<std::string>& argv, const std::filesystem::path& stdout_path,
            const std::filesystem::path& stderr_path, const std::vector<std::string>& env) {
  // Everything the child needs is built before fork: allocating after it is not safe.
  std::vector<std::string> args = argv;
  std::vector<char*> cargs;
  for (auto& a : args) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  std::vector<std::string> envs = environment_with(env);
  std::vector<char*> cenv;
  for (auto& e : envs) cenv.push_back(e.data());
  cenv.push_back(nullptr);
  std::string out = stdout_path.string(), err = stderr_path.string();

  pid_t pid = fork();
  if (pid == 0) exec_child(cargs.data(), cenv.data(), out.c_str(), err.c_str());
  // Also from the parent, so a kill(-pid) right after spawn cannot miss the group.
  if (pid > 0) setpgid(pid, pid);
  return pid;
}

PollResult poll_exit(pid_t pid) {
  int status = 0;
  pid_t r = waitpid(pid, &status, WNOHANG);
  if (r == 0) return {};
  if (r < 0) return {false, ExitStatus{}};  // not our child any more: nothing to wait for
  return {false, from_wait_status(status)};
}

ExitStatus wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto nap = std::chrono::milliseconds(1);
  for (;;) {
    auto p = poll_exit(pid);
    if (!p.running) return p.status;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(nap);
    nap = std::min(nap * 2, std::chrono::milliseconds(20));
  }
  kill(-pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ExitStatus s = from_wait_status(status);
  s.timed_out = true;
  return s;
}

CommandResult run_command(const std::vector<std::string>& argv, const std::filesystem::path& dir,
                          std::chrono::milliseconds timeout) {
  auto out_path = dir / "command.stdout", err_path = dir / "command.stderr";
  CommandResult r;
  pid_t pid = spawn(argv, out_path, err_path);
  if (pid < 0) {
    r.err = std::string("fork: ") + std::strerror(errno);
    return r;
  }
  r.status = wait_for_exit(pid, timeout);
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  // Also when the test expects the command to fail: it must not fail by a sanitizer's
  // report (GCC's UBSan writes one only to stderr).
  if (has_sanitizer_report(r.err)) {
    ADD_FAILURE() << argv.front() << " wrote a sanitizer report:\n" << tail(r.err, 80);
  }
  return r;
}

}  // namespace tern::test
