// The admin API under abuse, against a real ternd: token guessing is held back per source
// (429) without locking out other sources or the right token later, failures are logged
// without the token, a slowloris connection is closed by its deadline, too many header
// fields or bytes are refused, the connection cap holds, and secrets come from files.

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/file_descriptor.h"
#include "base/socket_address.h"
#include "tests/support/credential_probes.h"
#include "tests/support/free_ports.h"
#include "tests/support/http_probe.h"
#include "tests/support/rest_mint.h"
#include "tests/support/temp_dir.h"
#include "tests/support/ternd_on_free_ports.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::seconds;

constexpr const char* kToken = "right-admin-token-4711";
constexpr const char* kWrongToken = "wrong-guess-0815";

class AdminHardening : public ::testing::Test {
 protected:
  // ternd with the admin API on a port of its own and `extra` flags.
  void start(std::vector<std::string> extra = {"--admin-token", kToken}) {
    auto started = start_ternd_on_free_ports(1, [&](std::span<const uint16_t> ports) {
      std::vector<std::string> args = {"--admin-listen", "127.0.0.1:" + std::to_string(ports[0])};
      args.insert(args.end(), extra.begin(), extra.end());
      return args;
    });
    ASSERT_TRUE(started) << started.error();
    port_ = started->ports[0];
    ternd_.emplace(std::move(started->ternd));
  }

  // A TCP connection to the admin port from `source`; invalid when it could not connect.
  FileDescriptor open_connection(const std::string& source = "127.0.0.1") const {
    FileDescriptor fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const SockAddr from = to_sockaddr(*parse_ip(source));
    const SockAddr sa = to_sockaddr(loopback(IpVersion::V4, port_));
    if (fd.valid() && (::bind(fd.get(), from.get(), from.length) != 0 ||
                       ::connect(fd.get(), sa.get(), sa.length) != 0))
      fd.reset();
    return fd;
  }

  std::optional<TerndProcess> ternd_;
  uint16_t port_ = 0;
};

// Whether the server ended the connection (EOF or reset) within `within`; false when it
// is still open then.
bool closed_within(const FileDescriptor& fd, Clock::duration within) {
  const auto until = Clock::now() + within;
  while (Clock::now() < until) {
    pollfd p{fd.get(), POLLIN, 100};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[512];
    const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n <= 0) return true;
  }
  return false;
}

bool has_127_0_0_2() {
  FileDescriptor fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const SockAddr sa = to_sockaddr(*parse_ip("127.0.0.2"));
  return fd.valid() && ::bind(fd.get(), sa.get(), sa.length) == 0;
}

// 2,000 wrong tokens as fast as one client sends them: past the burst they are answered
// 429 with a Retry-After; meanwhile another source with the right token is served, and
// after the stated wait the first source's right token works again.
TEST_F(AdminHardening, TwoThousandWrongTokens_Get429_OtherSourceServed_RightTokenAfterRetryAfter) {
  if (!has_127_0_0_2()) GTEST_SKIP() << "127.0.0.2 cannot be bound here";
  const uint16_t metrics_port = free_tcp_port();
  ASSERT_NO_FATAL_FAILURE(start({"--admin-token", kToken, "--prometheus-listen",
                                 "127.0.0.1:" + std::to_string(metrics_port)}));
  int unauthorized = 0, too_many = 0, other = 0;
  int retry_after = -1;
  bool other_source_served = false;
  const auto deadline = Clock::now() + seconds(90);  // the loop is bounded in time, too
  for (int i = 0; i < 2000 && Clock::now() < deadline; ++i) {
    auto r = http("GET", "/v1/stats", kWrongToken, port_);
    if (!r) {
      ++other;
      continue;
    }
    if (r->status == 401) ++unauthorized;
    if (r->status == 429) {
      ++too_many;
      retry_after = std::stoi(r->headers["retry-after"]);
    }
    if (i == 1000) {
      auto served = http_from("127.0.0.2", "GET", "/v1/stats", kToken, port_);
      other_source_served = served && served->status == 200;
    }
  }
  EXPECT_GT(too_many, 0);
  // The burst, and what the budget regained while the loop ran: far below 2,000.
  EXPECT_LT(unauthorized, 1000);
  EXPECT_EQ(other, 0);
  EXPECT_TRUE(other_source_served);
  ASSERT_GT(retry_after, 0);
  ASSERT_LE(retry_after, 10);
  std::this_thread::sleep_for(seconds(retry_after));
  auto r = http("GET", "/v1/stats", kToken, port_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;

  const std::string log = ternd_->log();
  EXPECT_NE(log.find("admin API unauthorized source=127.0.0.1 path=\"/v1/stats\" token=wrong"),
            std::string::npos)
      << ternd_->diagnostics();
  EXPECT_EQ(log.find(kWrongToken), std::string::npos) << "a presented token is never logged";
  EXPECT_NE(log.find("admin API: 127.0.0.1 held back for"), std::string::npos) << log;

  // Every 401 and 429 counted on /metrics, whatever the log left out.
  auto metrics = http("GET", "/metrics", std::nullopt, metrics_port);
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("tern_admin_auth_failures_total " + std::to_string(unauthorized)),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("tern_admin_auth_held_back_total " + std::to_string(too_many)),
            std::string::npos)
      << metrics->body;
}

// One header line every second: evhttp's idle timeout never fires, the request deadline
// does.
TEST_F(AdminHardening, Slowloris_HeaderLineEverySecond_IsClosedByTheRequestDeadline) {
  ASSERT_NO_FATAL_FAILURE(start({"--admin-token", kToken, "--admin-request-timeout", "2"}));
  FileDescriptor fd = open_connection();
  ASSERT_TRUE(fd.valid());
  const auto began = Clock::now();
  std::string line = "GET /v1/stats HTTP/1.1\r\n";
  bool closed = false;
  // 30 s: the deadline and generous slack for a loaded machine, yet far short of never.
  while (!closed && Clock::now() - began < seconds(30)) {
    if (::send(fd.get(), line.data(), line.size(), MSG_NOSIGNAL) < 0) {
      closed = true;
      break;
    }
    line = "X-Drip: 1\r\n";
    closed = closed_within(fd, seconds(1));
  }
  EXPECT_TRUE(closed) << "still open after 30 s";
  EXPECT_GE(Clock::now() - began, std::chrono::milliseconds(1500)) << "closed before its deadline";
  // The server is fine afterwards.
  auto r = http("GET", "/v1/stats", kToken, port_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

// `Expect: 100-continue` with a wrong token: libevent's evhttp answers the interim 100
// before the request reaches the admin API (it has no hook that could answer 401 first), so
// an unauthorised client may send its body, at most the API's body limit; the final answer
// is still 401, the connection closes, and the failure is logged as every other is.
TEST_F(AdminHardening, Expect100Continue_WrongToken_InterimThenFinal401_AndLogged) {
  ASSERT_NO_FATAL_FAILURE(start());
  FileDescriptor fd = open_connection();
  ASSERT_TRUE(fd.valid());
  const std::string head = std::string("POST /v1/sessions/kill?user=bob HTTP/1.1\r\n") +
                           "Host: localhost\r\nAuthorization: Bearer " + kWrongToken +
                           "\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\n";
  ASSERT_EQ(::send(fd.get(), head.data(), head.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(head.size()));
  const auto read_some = [&] {
    std::string got;
    for (const auto until = Clock::now() + seconds(10);
         Clock::now() < until && got.find("\r\n\r\n") == std::string::npos;) {
      pollfd p{fd.get(), POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[1024];
      const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    return got;
  };
  EXPECT_TRUE(read_some().starts_with("HTTP/1.1 100 Continue\r\n"));
  ASSERT_EQ(::send(fd.get(), "x", 1, MSG_NOSIGNAL), 1);
  const std::string final_answer = read_some();
  EXPECT_TRUE(final_answer.starts_with("HTTP/1.1 401 ")) << final_answer;
  EXPECT_NE(final_answer.find("Connection: close"), std::string::npos) << final_answer;
  EXPECT_TRUE(closed_within(fd, seconds(10)));
  EXPECT_NE(ternd_->log().find("admin API unauthorized source=127.0.0.1"), std::string::npos)
      << ternd_->log();
}

TEST_F(AdminHardening, TooManyHeaderFields_Is431) {
  ASSERT_NO_FATAL_FAILURE(start());
  std::string request =
      "GET /v1/stats HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + std::string(kToken) + "\r\n";
  for (int i = 0; i < 60; ++i) request += "X-Field-" + std::to_string(i) + ": v\r\n";
  request += "Connection: close\r\n\r\n";
  auto r = http_raw(request, port_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_NE(r->body.find("too many header fields"), std::string::npos) << r->body;
}

// evhttp's byte cap answers 413 and closes; either way no request goes through.
TEST_F(AdminHardening, OversizeHeaders_AreRefusedOrClosed) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::string request = "GET /v1/stats HTTP/1.1\r\nAuthorization: Bearer " +
                              std::string(kToken) + "\r\nX-Big: " + std::string(20000, 'a') +
                              "\r\nConnection: close\r\n\r\n";
  auto r = http_raw(request, port_);
  if (r) {
    EXPECT_TRUE(r->status == 413 || r->status == 431 || r->status == 400) << r->status;
  }
}

// Four idle connections fill a cap of four: the fifth is closed at once, long before the
// request deadline; once the four go, requests are served again.
TEST_F(AdminHardening, ConnectionCap_ExtraConnectionIsClosed_ServedAgainOnceTheOthersGo) {
  ASSERT_NO_FATAL_FAILURE(start(
      {"--admin-token", kToken, "--admin-max-connections", "4", "--admin-request-timeout", "60"}));
  std::vector<FileDescriptor> idle;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(open_connection());
    ASSERT_TRUE(idle.back().valid());
  }
  // Let ternd accept the four before the fifth comes.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  FileDescriptor fifth = open_connection();
  ASSERT_TRUE(fifth.valid());
  EXPECT_TRUE(closed_within(fifth, seconds(20)));
  idle.clear();
  std::optional<HttpReply> r;
  for (auto until = Clock::now() + seconds(20); Clock::now() < until;) {
    r = http("GET", "/v1/stats", kToken, port_);
    if (r && r->status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(ternd_->log().find("over the cap of 4"), std::string::npos) << ternd_->diagnostics();
}

// One address holds eight idle connections: its ninth is closed at once, while another
// address is served.
TEST_F(AdminHardening, PerSourceCap_NinthFromOneAddressIsClosed_AnotherAddressIsServed) {
  if (!has_127_0_0_2()) GTEST_SKIP() << "127.0.0.2 cannot be bound here";
  ASSERT_NO_FATAL_FAILURE(start({"--admin-token", kToken, "--admin-request-timeout", "60"}));
  std::vector<FileDescriptor> idle;
  for (int i = 0; i < 8; ++i) {
    idle.push_back(open_connection());
    ASSERT_TRUE(idle.back().valid());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  FileDescriptor ninth = open_connection();
  ASSERT_TRUE(ninth.valid());
  EXPECT_TRUE(closed_within(ninth, seconds(20)));
  auto r = http_from("127.0.0.2", "GET", "/v1/stats", kToken, port_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  for (const auto& fd : idle) EXPECT_FALSE(closed_within(fd, std::chrono::milliseconds(10)));
  EXPECT_NE(ternd_->log().find("from 127.0.0.1 over its cap of 8"), std::string::npos)
      << ternd_->diagnostics();
}

TEST_F(AdminHardening, AdminTokenFile_HoldingAToken_IsUsedAndLeftAsItIs) {
  TempDir dir;
  const auto file = dir.path() / "admin-token";
  ASSERT_TRUE(write_file(file, std::string(kToken) + "\n"));
  ASSERT_NO_FATAL_FAILURE(start({"--admin-token-file", file.string()}));
  auto r = http("GET", "/v1/stats", kToken, port_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(read_file(file), std::string(kToken) + "\n");
}

class SecretFiles : public TurnTest {};

TEST_F(SecretFiles, StaticAuthSecretFile_ACredentialMintedWithItsSecretAllocates) {
  TempDir dir;
  const auto file = dir.path() / "secrets";
  ASSERT_TRUE(write_file(file, "# rotated monthly\nold-secret\n\n  new-secret  \n"));
  ASSERT_NO_FATAL_FAILURE(
      start({.ipv6_relay = false, .extra = {"--static-auth-secret-file", file.string()}}));
  const auto udp = server(Transport::Udp, IpVersion::V4);
  const int64_t expiry = unix_now() + 600;
  EXPECT_TRUE(IsSuccess(allocate_once(udp, rest_credentials("old-secret", expiry, "alice"))));
  EXPECT_TRUE(IsSuccess(allocate_once(udp, rest_credentials("new-secret", expiry, "bob"))));
  EXPECT_TRUE(
      IsError(allocate_once(udp, rest_credentials("# rotated monthly", expiry, "eve")), 401));
  // The fixture's own --user is on the command line; the secret is not.
  EXPECT_EQ(ternd().log().find("static-auth-secret: secrets on the command line"),
            std::string::npos);
}

// Rotation without a restart: the file rewritten and SIGHUP; a file made unreadable then
// keeps the secrets read before.
TEST_F(SecretFiles, StaticAuthSecretFile_RewrittenThenSighup_NewSecretAllocates_OldIs401) {
  TempDir dir;
  const auto file = dir.path() / "secrets";
  ASSERT_TRUE(write_file(file, "old-secret\n"));
  ASSERT_NO_FATAL_FAILURE(
      start({.ipv6_relay = false, .extra = {"--static-auth-secret-file", file.string()}}));
  const auto udp = server(Transport::Udp, IpVersion::V4);
  const int64_t expiry = unix_now() + 600;
  EXPECT_TRUE(IsSuccess(allocate_once(udp, rest_credentials("old-secret", expiry, "alice"))));
  EXPECT_TRUE(IsError(allocate_once(udp, rest_credentials("new-secret", expiry, "alice")), 401));

  ASSERT_TRUE(write_file(file, "new-secret\n"));
  ASSERT_TRUE(ternd().send_signal(SIGHUP));
  EXPECT_TRUE(poll_allocate(udp, rest_credentials("new-secret", expiry, "alice"), is_success,
                            std::chrono::seconds(20))
                  .reached)
      << ternd().diagnostics();
  EXPECT_TRUE(IsError(allocate_once(udp, rest_credentials("old-secret", expiry, "alice")), 401));

  std::filesystem::remove(file);
  ASSERT_TRUE(ternd().send_signal(SIGHUP));
  for (auto until = Clock::now() + seconds(20); Clock::now() < until;) {
    if (ternd().log().find("the configuration in force is unchanged") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(ternd().log().find("the configuration in force is unchanged"), std::string::npos);
  EXPECT_TRUE(IsSuccess(allocate_once(udp, rest_credentials("new-secret", expiry, "alice"))));
}

TEST(SecretFilesAtStart, MissingFileOrBadLine_ExitsNonZeroNamingFileAndLine_NotTheSecret) {
  TempDir dir;
  const auto missing = (dir.path() / "no-such-secrets").string();
  auto r = run_ternd({"--listening-ip", "127.0.0.1", "--static-auth-secret-file", missing}, dir);
  EXPECT_TRUE(r.status.exited && r.status.code != 0) << r.status.describe();
  EXPECT_NE(r.err.find("static-auth-secret-file " + missing + ": cannot read"), std::string::npos)
      << r.err;
  const auto users = dir.path() / "users";
  ASSERT_TRUE(write_file(users, "alice:a\nno-colon-password\n"));
  r = run_ternd({"--listening-ip", "127.0.0.1", "--user-file", users.string()}, dir);
  EXPECT_TRUE(r.status.exited && r.status.code != 0) << r.status.describe();
  EXPECT_NE(r.err.find(users.string() + ":2: not name:password"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("no-colon-password"), std::string::npos) << r.err;
}

TEST_F(SecretFiles, UserFile_ItsUserAllocates) {
  TempDir dir;
  const auto file = dir.path() / "users";
  ASSERT_TRUE(write_file(file, "carol:from-a-file\n"));
  ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false, .extra = {"--user-file", file.string()}}));
  EXPECT_TRUE(IsSuccess(allocate_once(server(Transport::Udp, IpVersion::V4),
                                      {.username = "carol", .password = "from-a-file"})));
}

TEST_F(SecretFiles, SecretOnTheCommandLine_IsWarnedAbout_InTheConfigFileIsNot) {
  TempDir dir;
  const auto conf = dir.path() / "ternd.conf";
  ASSERT_TRUE(write_file(conf, "static-auth-secret=in-the-file\n"));
  ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false, .extra = {"-c", conf.string()}}));
  // The fixture's own --user is on the command line; the secret is not.
  EXPECT_EQ(ternd().log().find("static-auth-secret: secrets on the command line"),
            std::string::npos);
  ternd_.reset();
  ASSERT_NO_FATAL_FAILURE(
      start({.ipv6_relay = false, .extra = {"--static-auth-secret", "on-the-argv"}}));
  const std::string log = ternd().log();
  EXPECT_NE(log.find("--static-auth-secret: secrets on the command line are visible to every "
                     "local user"),
            std::string::npos)
      << ternd().diagnostics();
  EXPECT_EQ(log.find("on-the-argv"), std::string::npos) << "the secret itself is never logged";
}

}  // namespace
}  // namespace tern::test
