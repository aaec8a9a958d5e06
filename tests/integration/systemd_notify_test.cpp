// ternd under systemd's Type=notify, seen through a fake NOTIFY_SOCKET: READY=1 only once
// the ports answer (never after a port clash), STATUS= with the allocation count,
// WATCHDOG=1 only while every worker's loop answers, STOPPING=1 at SIGTERM, "draining"
// after SIGUSR1.

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/file_descriptor.h"
#include "tests/support/free_ports.h"
#include "tests/support/relay_port_range.h"
#include "tests/support/stun_expect.h"
#include "tests/support/stun_requests.h"
#include "tests/support/ternd_process.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Generous: the machine may be busy compiling.
constexpr auto kEventually = 30s;

// The socket systemd would listen on: a unix datagram socket in the test's temp dir.
class FakeNotifySocket {
 public:
  FakeNotifySocket() : fd_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    path_ = (dir_ / "notify.sock").string();
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    if (path_.size() >= sizeof a.sun_path) return;
    std::memcpy(a.sun_path, path_.c_str(), path_.size() + 1);
    bound_ = fd_.valid() && ::bind(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }

  bool bound() const { return bound_; }
  std::string env() const { return "NOTIFY_SOCKET=" + path_; }
  const TempDir& dir() const { return dir_; }

  // One message, or "" when none came within `timeout`.
  std::string receive(std::chrono::milliseconds timeout) {
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return "";
    char buf[4096];
    ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
    if (n <= 0) return "";
    seen_.emplace_back(buf, static_cast<size_t>(n));
    return seen_.back();
  }

  // Waits for a message holding the line `line` (e.g. "READY=1"), or with `prefix` a line
  // that starts so; the message, or "".
  std::string wait_for(const std::string& line, std::chrono::milliseconds timeout = kEventually,
                       bool prefix = false) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      std::string m = receive(std::max(left, 1ms));
      if (has_line(m, line, prefix)) return m;
    }
    return "";
  }

  // Reads whatever is queued now.
  void drain() {
    while (!receive(0ms).empty()) {
    }
  }

  static bool has_line(const std::string& message, const std::string& line, bool prefix = false) {
    const std::string end = prefix ? "" : "\n";
    return !message.empty() && ("\n" + message + "\n").find("\n" + line + end) != std::string::npos;
  }

  // Everything received, for failure messages.
  std::string seen() const {
    std::string s;
    for (const auto& m : seen_) s += "[" + m + "] ";
    return s;
  }

 private:
  TempDir dir_;
  FileDescriptor fd_;
  std::string path_;
  bool bound_ = false;
  std::vector<std::string> seen_;
};

// A ternd with the fake socket and a 1 s watchdog in its environment.
Result<TerndProcess, std::string> start_notified(const FakeNotifySocket& notify,
                                                 std::vector<std::string> args = {},
                                                 std::vector<std::string> env = {}) {
  env.insert(env.begin(), {notify.env(), "WATCHDOG_USEC=1000000"});
  return TerndProcess::start({std::move(args), false, std::move(env)});
}

bool answers_binding(Transport t, uint16_t port) {
  auto client = StunClient::connect(t, loopback(IpVersion::V4, port), 2000ms);
  if (!client) return false;
  auto request = binding_request();
  auto response = client->exchange(request, 2000ms);
  return IsBindingSuccessFor(request, response);
}

class SystemdNotifyTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(notify_.bound()) << "cannot bind a unix socket"; }
  FakeNotifySocket notify_;
};

// Started by hand rather than through TerndProcess, which waits for a Binding answer
// itself: here READY=1 must come first, and the ports must answer at once.
TEST_F(SystemdNotifyTest, Ready_ComesOnlyWhenUdpAndTcpAnswer) {
  // Held from picking the port until ternd holds it (see free_ports.h).
  std::optional<PortLock> lock(PortLock::acquire());
  auto ports = pick_server_ports(false);
  ASSERT_TRUE(ports);
  const TempDir& dir = notify_.dir();
  std::vector<std::string> argv{ternd_path().string(),
                                "--listening-ip",
                                "127.0.0.1",
                                "--listening-port",
                                std::to_string(ports->main),
                                "--relay-threads",
                                "2",
                                "--log-file",
                                (dir / "ternd.log").string(),
                                "--min-port",
                                std::to_string(kSharedRelayPorts.lowest),
                                "--max-port",
                                std::to_string(kSharedRelayPorts.highest)};
  pid_t pid = spawn(argv, dir / "ternd.stdout", dir / "ternd.stderr",
                    {notify_.env(), "WATCHDOG_USEC=1000000"});
  ASSERT_GT(pid, 0);
  std::string ready = notify_.wait_for("READY=1");
  lock.reset();
  EXPECT_FALSE(ready.empty()) << "no READY=1; received: " << notify_.seen() << "\n"
                              << read_file(dir / "ternd.log");
  if (!ready.empty()) {
    EXPECT_TRUE(answers_binding(Transport::Udp, ports->main));
    EXPECT_TRUE(answers_binding(Transport::Tcp, ports->main));
    EXPECT_TRUE(FakeNotifySocket::has_line(ready, "STATUS=0 allocations, 2 workers")) << ready;
  }
  kill(pid, SIGTERM);
  EXPECT_TRUE(wait_for_exit(pid, 10s).clean()) << read_file(dir / "ternd.log");
}

TEST_F(SystemdNotifyTest, PortClash_ExitsNonZeroAndNeverSaysReady) {
  auto first = TerndProcess::start();
  ASSERT_TRUE(first) << first.error();
  const TempDir& dir = notify_.dir();
  std::vector<std::string> argv{ternd_path().string(),
                                "--listening-ip",
                                "127.0.0.1",
                                "--listening-port",
                                std::to_string(first->port()),
                                "--log-file",
                                (dir / "ternd.log").string()};
  pid_t pid = spawn(argv, dir / "ternd.stdout", dir / "ternd.stderr", {notify_.env()});
  ASSERT_GT(pid, 0);
  ExitStatus s = wait_for_exit(pid, 10s);
  EXPECT_TRUE(s.exited && s.code != 0) << s.describe();
  notify_.drain();
  EXPECT_EQ(notify_.seen().find("READY=1"), std::string::npos) << notify_.seen();
}

TEST_F(SystemdNotifyTest, Status_CountsAllocations) {
  auto t = start_notified(notify_, {"--relay-ip", "127.0.0.1", "--allow-loopback-peers", "--user",
                                    "alice:secret", "--realm", kRealm});
  ASSERT_TRUE(t) << t.error();
  ASSERT_FALSE(notify_.wait_for("READY=1").empty()) << notify_.seen();
  auto client = allocated_client(Transport::Udp, t->address(Transport::Udp, IpVersion::V4));
  ASSERT_TRUE(client);
  EXPECT_FALSE(notify_.wait_for("STATUS=1 allocation, ", kEventually, true).empty())
      << notify_.seen();
  // Deleted (Refresh with LIFETIME 0): the count goes back down.
  EXPECT_TRUE(IsSuccess(client->refresh(0)));
  EXPECT_FALSE(notify_.wait_for("STATUS=0 allocations, ", kEventually, true).empty())
      << notify_.seen();
}

TEST_F(SystemdNotifyTest, Status_SaysDraining_AfterSigusr1) {
  auto t = start_notified(notify_,
                          {"--relay-ip", "127.0.0.1", "--user", "alice:secret", "--realm", kRealm});
  ASSERT_TRUE(t) << t.error();
  ASSERT_FALSE(notify_.wait_for("READY=1").empty()) << notify_.seen();
  auto client = allocated_client(Transport::Udp, t->address(Transport::Udp, IpVersion::V4));
  ASSERT_TRUE(client);
  ASSERT_TRUE(t->send_signal(SIGUSR1));
  EXPECT_FALSE(notify_.wait_for("STATUS=draining: 1 allocation, ", kEventually, true).empty())
      << notify_.seen();
  EXPECT_TRUE(IsSuccess(client->refresh(0)));
  EXPECT_FALSE(notify_.wait_for("STOPPING=1").empty()) << notify_.seen();
  // The drain ends ternd by itself: wait for that, or stop()'s SIGTERM may reach it on its
  // way out, when its handler is gone (seen under ASan, whose leak check makes that
  // moment long).
  for (auto until = std::chrono::steady_clock::now() + kEventually;
       t->running() && std::chrono::steady_clock::now() < until;) {
    std::this_thread::sleep_for(20ms);
  }
  const ExitStatus status = t->stop();
  EXPECT_TRUE(status.clean()) << status.describe() << "\n" << t->diagnostics();
}

TEST_F(SystemdNotifyTest, Watchdog_PingsRepeatedlyWhileEveryWorkerAnswers) {
  auto t = start_notified(notify_, {"--relay-threads", "2"});
  ASSERT_TRUE(t) << t.error();
  for (int ping = 0; ping < 3; ++ping) {
    ASSERT_FALSE(notify_.wait_for("WATCHDOG=1").empty())
        << "ping " << ping << " missing; received: " << notify_.seen() << "\n"
        << t->diagnostics();
  }
}

TEST_F(SystemdNotifyTest, Watchdog_NoPingsWithoutWatchdogUsec) {
  auto t = TerndProcess::start({{}, false, {notify_.env()}});
  ASSERT_TRUE(t) << t.error();
  ASSERT_FALSE(notify_.wait_for("READY=1").empty()) << notify_.seen();
  EXPECT_TRUE(notify_.wait_for("WATCHDOG=1", 2s).empty()) << notify_.seen();
}

TEST_F(SystemdNotifyTest, Watchdog_StuckWorkerStopsThePings) {
  auto t = start_notified(notify_, {"--relay-threads", "2"}, {"TERN_TEST_STALL_WORKER_AFTER=2"});
  ASSERT_TRUE(t) << t.error();
  // The pings stop once the stalled worker has missed a whole interval; ternd says so.
  const auto deadline = Clock::now() + kEventually;
  while (t->log().find("has not answered") == std::string::npos && Clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_NE(t->log().find("worker 0 has not answered"), std::string::npos) << t->diagnostics();
  // Every ping sent before that line is queued by now; none may follow in 3 intervals.
  notify_.drain();
  std::string late = notify_.wait_for("WATCHDOG=1", 3s);
  EXPECT_TRUE(late.empty()) << "a ping after the stall: " << notify_.seen();
  // A stalled worker does not keep ternd from stopping.
  EXPECT_TRUE(t->stop().clean()) << t->diagnostics();
  EXPECT_FALSE(notify_.wait_for("STOPPING=1", 5s).empty()) << notify_.seen();
}

TEST_F(SystemdNotifyTest, Stopping_SentOnSigterm) {
  auto t = start_notified(notify_);
  ASSERT_TRUE(t) << t.error();
  ASSERT_FALSE(notify_.wait_for("READY=1").empty()) << notify_.seen();
  EXPECT_TRUE(t->stop(SIGTERM).clean()) << t->diagnostics();
  EXPECT_FALSE(notify_.wait_for("STOPPING=1", 5s).empty()) << notify_.seen();
}

}  // namespace
}  // namespace tern::test
