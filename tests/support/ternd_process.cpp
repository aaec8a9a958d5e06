#include "tests/support/ternd_process.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>
#include <thread>
#include <utility>

#include "protocol/message.h"
#include "tests/support/certs.h"
#include "tests/support/free_ports.h"
#include "tests/support/relay_port_range.h"
#include "tests/support/sanitizers.h"
#include "tests/support/stun_requests.h"

#ifndef TERND_PATH
#error "TERND_PATH must name the ternd binary (tests/integration/CMakeLists.txt sets it)"
#endif

namespace tern::test {
namespace {

using namespace std::chrono_literals;

constexpr auto kStartTimeout = 10s;
constexpr auto kStopTimeout = 10s;
constexpr int kStartAttempts = 3;

bool contains(const std::vector<std::string>& args, const std::string& flag) {
  return std::find(args.begin(), args.end(), flag) != args.end();
}

std::string joined(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

// Another process took the port between the probe and ternd's bind.
bool lost_port_race(const std::string& output) {
  return output.find("in use") != std::string::npos;
}

// ternd installs its SIGTERM/SIGINT/SIGHUP handlers only after the workers already
// answer; a signal before that would meet the default action and kill it, so a test that
// signals ternd right after start would see a death where it expects a clean exit.
bool catches_control_signals(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("SigCgt:", 0) != 0) continue;
    uint64_t mask = std::strtoull(line.c_str() + 7, nullptr, 16);
    auto caught = [mask](int sig) { return ((mask >> (sig - 1)) & 1) != 0; };
    return caught(SIGTERM) && caught(SIGINT) && caught(SIGHUP);
  }
  return false;
}

}  // namespace

std::filesystem::path ternd_path() {
  return TERND_PATH;
}

Result<TerndProcess, std::string> TerndProcess::start(TerndOptions options) {
  TerndProcess p;
  if (options.tls && !options.cert) {
    auto cert = make_self_signed_cert(p.dir());
    if (!cert) return unexpected(cert.error());
  }
  bool ipv6 = ipv6_loopback_available();
  Transport probe = contains(options.args, "--no-udp") ? Transport::Tcp : Transport::Udp;
  std::string error;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    PortLock lock = PortLock::acquire();
    auto ports = pick_server_ports(ipv6);
    if (!ports) return unexpected(std::string("no port free for both UDP and TCP on loopback"));
    p.port_ = ports->main;
    p.tls_port_ = ports->tls;
    auto argv = p.command_line(options, ipv6);
    if (auto err = p.launch(argv, options.env)) return unexpected(*err);
    auto err = p.wait_until_ready(probe);
    if (!err) return p;
    error = *err + "\n" + p.diagnostics();
    if (!lost_port_race(p.log() + p.stderr_text())) break;
  }
  return unexpected(error);
}

std::vector<std::string> TerndProcess::command_line(const TerndOptions& options, bool ipv6) const {
  std::vector<std::string> argv{ternd_path().string(), "--listening-ip", "127.0.0.1"};
  if (ipv6) argv.insert(argv.end(), {"--listening-ip", "::1"});
  argv.insert(argv.end(),
              {"--listening-port", std::to_string(port_), "--log-file", log_path().string()});
  // Relays below the window held ranges are taken from, so a test that holds one never
  // meets another ternd's relay socket there; a test's own --min-port/--max-port win.
  argv.insert(argv.end(), {"--min-port", std::to_string(kSharedRelayPorts.lowest), "--max-port",
                           std::to_string(kSharedRelayPorts.highest)});
  // The kernel fast path stays off unless a test asks for it (its flag comes later and
  // wins): every test's ternd would otherwise put its program on the interfaces of the
  // namespace all tests share.
  argv.insert(argv.end(), {"--offload", "off"});
  if (options.tls) {
    const CertFiles cert = options.cert.value_or(CertFiles{dir() / "cert.pem", dir() / "key.pem"});
    argv.insert(argv.end(), {"--tls-listening-port", std::to_string(tls_port_), "--cert",
                             cert.cert.string(), "--pkey", cert.key.string()});
  }
  // "{port}" and "{tls_port}" in the test's flags become the ports picked above, for a
  // flag naming ternd's own address (--alternate-server 127.0.0.1:{port}).
  for (std::string arg : options.args) {
    for (const auto& [name, port] :
         {std::pair{"{port}", port_}, std::pair{"{tls_port}", tls_port_}}) {
      for (auto at = arg.find(name); at != std::string::npos; at = arg.find(name)) {
        arg.replace(at, std::string_view(name).size(), std::to_string(port));
      }
    }
    argv.push_back(std::move(arg));
  }
  return argv;
}

std::optional<std::string> TerndProcess::launch(const std::vector<std::string>& argv,
                                                const std::vector<std::string>& env) {
  command_ = joined(argv);
  exit_.reset();
  // A retry must not read the previous attempt's "address in use" as its own.
  std::error_code ignored;
  std::filesystem::remove(log_path(), ignored);
  pid_ = spawn(argv, dir_ / "ternd.stdout", dir_ / "ternd.stderr", env);
  if (pid_ < 0) return std::string("fork: ") + std::strerror(errno);
  return std::nullopt;
}

std::optional<std::string> TerndProcess::wait_until_ready(Transport probe) {
  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto p = poll_exit(pid_);
    if (!p.running) {
      exit_ = p.status;
      return "ternd exited during startup: " + p.status.describe();
    }
    if (answers_binding(probe)) {
      // A SIGHUP or SIGTERM sent before ternd catches it would kill it outright.
      if (!wait_for_signal_handlers()) {
        stop();
        return std::string("ternd answered but did not catch SIGTERM/SIGHUP within 20 s");
      }
      return std::nullopt;
    }
    std::this_thread::sleep_for(10ms);
  }
  stop();
  return std::string("ternd did not answer a Binding over ") + to_string(probe) + " within 10 s";
}

bool TerndProcess::answers_binding(Transport probe) const {
  auto client = StunClient::connect(probe, address(probe, IpVersion::V4), 200ms);
  if (!client) return false;
  auto request = binding_request();
  auto response = client->exchange(request, 200ms);
  if (!response) return false;
  auto m = stun::MessageView::parse(*response);
  // An error answers too: with --no-stun, Binding gets 400 from a ternd that is up.
  return m && m->method() == stun::Method::Binding &&
         (m->message_class() == stun::Class::SuccessResponse ||
          m->message_class() == stun::Class::ErrorResponse) &&
         m->transaction_id_copy() == transaction_id_of(request);
}

bool TerndProcess::wait_for_signal_handlers() const {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!catches_control_signals(pid_)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TerndProcess::TerndProcess(TerndProcess&& other) noexcept
    : dir_(std::move(other.dir_)),
      command_(std::move(other.command_)),
      port_(other.port_),
      tls_port_(other.tls_port_),
      pid_(std::exchange(other.pid_, -1)),
      exit_(other.exit_) {}

TerndProcess::~TerndProcess() {
  if (pid_ <= 0) return;
  if (!exit_) {
    auto s = stop();
    // A ternd that died during the test, or whose SIGTERM did not end in exit 0, is a bug
    // even when the test's own checks passed.
    if (!s.clean() && !s.timed_out) {
      ADD_FAILURE() << "ternd did not exit cleanly at the end of the test: " << s.describe() << "\n"
                    << diagnostics();
    }
  }
  // Also when the test stopped ternd itself and looked at its exit status only.
  if (std::string err = stderr_text(); has_sanitizer_report(err)) {
    ADD_FAILURE() << "ternd's stderr holds a sanitizer report:\n" << tail(err, 80);
  }
}

TransportAddress TerndProcess::address(Transport transport, IpVersion version) const {
  return loopback(version,
                  transport == Transport::Tls || transport == Transport::Dtls ? tls_port_ : port_);
}

std::string TerndProcess::diagnostics() const {
  return "command: " + command_ + "\nternd log (tail):\n" + tail(log()) +
         "\nternd stderr (tail):\n" + tail(stderr_text());
}

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

bool holds_all(const std::string& line, std::initializer_list<std::string> parts) {
  for (const auto& p : parts) {
    if (line.find(p) == std::string::npos) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string> TerndProcess::log_line_with(
    std::initializer_list<std::string> parts) const {
  for (const auto& line : lines_of(log())) {
    if (holds_all(line, parts)) return line;
  }
  return std::nullopt;
}

size_t TerndProcess::log_lines_with(std::initializer_list<std::string> parts) const {
  size_t n = 0;
  for (const auto& line : lines_of(log())) n += holds_all(line, parts) ? 1 : 0;
  return n;
}

std::optional<std::string> TerndProcess::wait_for_log_line(std::initializer_list<std::string> parts,
                                                           std::chrono::milliseconds limit) const {
  for (const auto deadline = std::chrono::steady_clock::now() + limit;
       std::chrono::steady_clock::now() < deadline;) {
    if (auto l = log_line_with(parts)) return l;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return log_line_with(parts);
}

bool TerndProcess::send_signal(int sig) const {
  return pid_ > 0 && !exit_ && kill(pid_, sig) == 0;
}

bool TerndProcess::running() {
  if (pid_ <= 0 || exit_) return false;
  auto p = poll_exit(pid_);
  if (!p.running) exit_ = p.status;
  return p.running;
}

ExitStatus TerndProcess::stop(int sig) {
  if (exit_) return *exit_;
  if (pid_ <= 0) return {};
  kill(pid_, sig);
  exit_ = wait_for_exit(pid_, kStopTimeout);
  if (exit_->timed_out) {
    ADD_FAILURE() << "ternd still running 10 s after signal " << sig << "; killed\n"
                  << diagnostics();
  }
  return *exit_;
}

std::optional<std::map<std::string, uint64_t>> parse_counters(const std::string& log) {
  auto at = log.rfind("counters:");
  if (at == std::string::npos) return std::nullopt;
  auto end = log.find('\n', at);
  std::istringstream line(log.substr(at + 9, end == std::string::npos ? end : end - at - 9));
  std::map<std::string, uint64_t> counters;
  std::string item;
  while (line >> item) {
    auto eq = item.find('=');
    if (eq == std::string::npos) continue;
    counters[item.substr(0, eq)] = std::strtoull(item.c_str() + eq + 1, nullptr, 10);
  }
  return counters;
}

CommandResult run_ternd(const std::vector<std::string>& args, const TempDir& dir) {
  std::vector<std::string> argv{ternd_path().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, dir.path());
}

}  // namespace tern::test
