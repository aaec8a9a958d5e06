#pragma once
// A real ternd for a test: its own loopback ports, its own temp dir (log, stdout,
// stderr, certificate), started and known to answer before start() returns, stopped
// by the destructor. A ternd that crashes, ignores SIGTERM or leaves a sanitizer report in
// its stderr fails the test that ran it.

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocol/result.h"
#include "protocol/transport_address.h"
#include "tests/support/certs.h"
#include "tests/support/loopback.h"
#include "tests/support/process.h"
#include "tests/support/stun_client.h"
#include "tests/support/temp_dir.h"

namespace tern::test {

// The ternd this build made (CMake passes $<TARGET_FILE:ternd>).
std::filesystem::path ternd_path();

struct TerndOptions {
  // Flags added after the ones that place ternd on its ports, log file and addresses.
  std::vector<std::string> args = {};
  // Make a self-signed certificate and pass --tls-listening-port, --cert and --pkey.
  bool tls = false;
  // NAME=VALUE entries added to ternd's environment (e.g. NOTIFY_SOCKET).
  std::vector<std::string> env = {};
  // With `tls`: these files instead of a self-signed certificate (a CA-signed one).
  std::optional<CertFiles> cert = std::nullopt;
};

class TerndProcess {
 public:
  // The error carries the command line, the exit status and the tails of log and stderr.
  static Result<TerndProcess, std::string> start(TerndOptions options = {});

  TerndProcess(TerndProcess&& other) noexcept;
  TerndProcess& operator=(TerndProcess&&) = delete;
  TerndProcess(const TerndProcess&) = delete;
  ~TerndProcess();

  uint16_t port() const { return port_; }
  uint16_t tls_port() const { return tls_port_; }
  // Where a client of `transport` reaches this server on loopback.
  TransportAddress address(Transport transport, IpVersion version) const;
  pid_t pid() const { return pid_; }
  const std::filesystem::path& dir() const { return dir_.path(); }
  std::filesystem::path log_path() const { return dir_ / "ternd.log"; }
  std::string log() const { return read_file(log_path()); }
  std::string stderr_text() const { return read_file(dir_ / "ternd.stderr"); }
  // "ternd log (tail): ... stderr: ...", for failure messages.
  std::string diagnostics() const;
  // The first line of the log holding every one of `parts`; nullopt when none does.
  std::optional<std::string> log_line_with(std::initializer_list<std::string> parts) const;
  // How many lines of the log hold every one of `parts`.
  size_t log_lines_with(std::initializer_list<std::string> parts) const;
  // log_line_with(), waited for up to `limit` (generous: ternd logs in its own time and
  // the machine may be loaded); the last look's answer.
  std::optional<std::string> wait_for_log_line(
      std::initializer_list<std::string> parts,
      std::chrono::milliseconds limit = std::chrono::seconds(20)) const;

  bool send_signal(int sig) const;
  bool running();
  // `sig` (SIGTERM unless told), then up to 10 s for it to exit; past that SIGKILL and a
  // test failure. Calling it again returns the same status.
  ExitStatus stop(int sig = SIGTERM);

 private:
  TerndProcess() = default;
  std::vector<std::string> command_line(const TerndOptions& options, bool ipv6) const;
  std::optional<std::string> launch(const std::vector<std::string>& argv,
                                    const std::vector<std::string>& env);
  std::optional<std::string> wait_until_ready(Transport probe);
  bool answers_binding(Transport probe) const;
  bool wait_for_signal_handlers() const;

  TempDir dir_;
  std::string command_;
  uint16_t port_ = 0;
  uint16_t tls_port_ = 0;
  pid_t pid_ = -1;
  std::optional<ExitStatus> exit_;
};

// The numbers of the `counters:` line ternd logs when it stops; nullopt without one.
std::optional<std::map<std::string, uint64_t>> parse_counters(const std::string& log);

// ternd run to completion with exactly `args` (no ports or log file added), for the
// configuration errors and --help. Bounded by 10 s.
CommandResult run_ternd(const std::vector<std::string>& args, const TempDir& dir);

}  // namespace tern::test
