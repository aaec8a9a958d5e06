// The log an operator reads (#12, "logs people can use"), against a real ternd: failed TLS
// handshakes and admin 401s with their source, budgeted per source; -v and
// `ternctl log-level debug` showing every request and response; --log-format json; the
// startup lines (realm, credentials, warnings) and no listener being an error.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/json_value.h"
#include "tests/support/free_ports.h"
#include "tests/support/http_probe.h"
#include "tests/support/stun_requests.h"
#include "tests/support/temp_dir.h"
#include "tests/support/ternctl.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kToken = "operator-log-token-4711";

std::vector<std::string> lines_of(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class OperatorLogTest : public TurnTest {
 protected:
  // ternd with the admin API on a free port; false (test skipped) when another process took it.
  bool start_with_admin(std::vector<std::string> extra = {}) {
    admin_ = "127.0.0.1:" + std::to_string(free_tcp_port());
    extra.insert(extra.end(), {"--admin-listen", admin_, "--admin-token", kToken});
    start({.ipv6_relay = false, .extra = extra});
    return ternd().log().find("admin API on") != std::string::npos;
  }
  uint16_t admin_port() const { return static_cast<uint16_t>(std::stoi(admin_.substr(10))); }
  bool binding_answered() {
    auto c = StunClient::connect(Transport::Udp, server(Transport::Udp, IpVersion::V4));
    return c && c->exchange(binding_request()).ok();
  }

  std::string admin_;
};

TEST_F(OperatorLogTest, AFailedTlsHandshake_IsLoggedWithSourceAndOpenSslReason_ThreeTimesASource) {
  ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false, .tls = true}));
  // Plain STUN to the TLS port: OpenSSL refuses the "ClientHello".
  std::string source;
  for (int i = 0; i < 6; ++i) {
    auto plain = StunClient::connect(Transport::Tcp, server(Transport::Tls, IpVersion::V4));
    ASSERT_TRUE(plain) << plain.error();
    if (source.empty()) source = plain->local_address().to_string();
    ASSERT_TRUE(plain->send(binding_request()));
    EXPECT_TRUE(plain->closed_within(10s));
  }
  auto line = ternd().wait_for_log_line({"WARNING TLS handshake failed source=" + source + " "});
  ASSERT_TRUE(line) << ternd().log();
  EXPECT_NE(line->find(" listener=127.0.0.1:" + std::to_string(ternd().tls_port()) + " "),
            std::string::npos)
      << *line;
  EXPECT_NE(line->find(" reason=\""), std::string::npos) << *line;
  EXPECT_EQ(line->find(" reason=\"\""), std::string::npos) << "an empty reason: " << *line;
  // Every failure counted, only a source's budget of them logged.
  for (const auto deadline = Clock::now() + 20s;
       ternd().log_lines_with({"TLS handshake failed source=127.0.0.1:"}) < 3 &&
       Clock::now() < deadline;) {
    std::this_thread::sleep_for(50ms);
  }
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(ternd().log_lines_with({"TLS handshake failed source=127.0.0.1:"}), 3u)
      << ternd().log();
}

TEST_F(OperatorLogTest, Admin401_IsLoggedPerSource_SoAGuesserDoesNotHideAnother) {
  if (!start_with_admin()) GTEST_SKIP() << "another process took the admin port";
  for (int i = 0; i < 8; ++i) {
    auto r = http("GET", "/v1/stats", "wrong-guess", admin_port());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401);
  }
  auto other = http_from("127.0.0.2", "GET", "/v1/sessions", "", admin_port());
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 401);
  auto line = ternd().wait_for_log_line({"WARNING admin API unauthorized source=127.0.0.2 "});
  ASSERT_TRUE(line) << ternd().log();
  EXPECT_NE(line->find(" path=\"/v1/sessions\" token="), std::string::npos) << *line;
  EXPECT_EQ(ternd().log_lines_with(
                {"admin API unauthorized source=127.0.0.1 path=\"/v1/stats\" token=wrong"}),
            3u)
      << ternd().log();
  EXPECT_EQ(ternd().log().find("wrong-guess"), std::string::npos) << "a token in the log";
}

TEST_F(OperatorLogTest, Verbose_LogsEveryRequestAndItsResponse) {
  ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false, .extra = {"-v"}}));
  // The client's first Allocate carries no credentials (401), its second does.
  auto c = allocated(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  const std::string source = " source=" + c->local_address().to_string() + " transport=UDP";
  auto request =
      ternd().wait_for_log_line({"DEBUG stun request method=allocate class=request txid=", source});
  ASSERT_TRUE(request) << ternd().log();
  const size_t at = request->find("txid=");
  const std::string txid = request->substr(at, 5 + 24);
  auto challenged = ternd().wait_for_log_line(
      {"DEBUG stun response method=allocate class=error " + txid, source});
  ASSERT_TRUE(challenged) << ternd().log();
  EXPECT_TRUE(challenged->ends_with(" code=401")) << *challenged;
  EXPECT_TRUE(
      ternd().wait_for_log_line({"DEBUG stun response method=allocate class=success ", source}))
      << ternd().log();
}

TEST_F(OperatorLogTest, TernctlLogLevel_TurnsRequestLinesOnAtRunTime_AndStatsShowIt) {
  if (!std::filesystem::exists(ternctl_path())) GTEST_SKIP() << "no ternctl built";
  if (!start_with_admin()) GTEST_SKIP() << "another process took the admin port";
  const auto ternctl = [&](std::vector<std::string> args) {
    args.insert(args.end(), {"--server", admin_, "--token", kToken});
    return run_ternctl(args, ternd().dir());
  };
  ASSERT_TRUE(binding_answered());
  auto before = ternctl({"stats"});
  ASSERT_TRUE(before.status.clean()) << before.err;
  EXPECT_NE(before.out.find("INFO"), std::string::npos) << before.out;

  auto set = ternctl({"log-level", "debug"});
  ASSERT_TRUE(set.status.clean()) << set.err;
  EXPECT_NE(set.out.find("log level DEBUG (was INFO)"), std::string::npos) << set.out;
  ASSERT_TRUE(binding_answered());
  EXPECT_TRUE(ternd().wait_for_log_line({"DEBUG stun response method=binding class=success "}))
      << ternd().log();
  auto after = ternctl({"stats"});
  EXPECT_NE(after.out.find("DEBUG"), std::string::npos) << after.out;
  EXPECT_TRUE(ternd().log_line_with({"INFO admin API: log level DEBUG (was INFO)"}))
      << ternd().log();

  auto bad = ternctl({"log-level", "loud"});
  EXPECT_FALSE(bad.status.clean());
  EXPECT_NE(bad.err.find("level=debug, info, warning or error"), std::string::npos) << bad.err;
}

TEST_F(OperatorLogTest, LogFormatJson_EveryLineIsOneObjectWithTheEventsFields) {
  ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false, .extra = {"--log-format", "json"}}));
  auto c = allocated(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  const std::string client = c->local_address().to_string();
  ASSERT_TRUE(ternd().wait_for_log_line(
      {"\"msg\":\"allocation created\"", "\"client\":\"" + client + "\""}))
      << ternd().log();
  std::optional<JsonValue> created;
  const auto lines = lines_of(ternd().log());
  ASSERT_FALSE(lines.empty());
  for (const auto& line : lines) {
    auto v = JsonValue::parse(line);
    ASSERT_TRUE(v && v->object()) << "not one JSON object: " << line;
    EXPECT_FALSE(v->text("ts").empty()) << line;
    EXPECT_FALSE(v->text("level").empty()) << line;
    if (v->text("msg") == "allocation created") created = v;
  }
  ASSERT_TRUE(created);
  EXPECT_EQ(created->text("level"), "INFO");
  EXPECT_EQ(created->text("user"), "alice");
  EXPECT_EQ(created->text("realm"), kRealm);
  EXPECT_EQ(created->text("transport"), "UDP");
  // A number is a JSON number; the session id (leading zeros, 18 digits) stays a string.
  const JsonValue* lifetime = created->member("lifetime");
  ASSERT_TRUE(lifetime);
  EXPECT_EQ(lifetime->number_text(), "600");
  EXPECT_FALSE(created->text("session").empty());
}

TEST_F(OperatorLogTest, Startup_SaysRealmCredentialsAndWarnsOfLoopbackPeers) {
  ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false}));
  const std::string log = ternd().log();
  EXPECT_NE(log.find("INFO realm tern.test"), std::string::npos) << log;
  EXPECT_NE(log.find("INFO credentials: 1 user (user)"), std::string::npos) << log;
  EXPECT_NE(log.find("WARNING allow-loopback-peers is on"), std::string::npos) << log;
  EXPECT_NE(log.find("INFO relay address 127.0.0.1"), std::string::npos) << log;
  EXPECT_NE(log.find("INFO listening on UDP 127.0.0.1:"), std::string::npos) << log;
}

TEST_F(OperatorLogTest, CertWithoutPkey_SaysSo) {
  TempDir dir;
  const auto cert = dir.path() / "cert.pem";
  std::filesystem::copy_file(TERN_SOURCE_DIR "/README.md", cert);  // never read: no pkey
  ASSERT_NO_FATAL_FAILURE(
      start({.ipv6_relay = false, .extra = {"--cert", cert.string(), "--use-auth-secret"}}));
  const std::string log = ternd().log();
  EXPECT_NE(log.find("WARNING cert given without pkey: TLS listener off"), std::string::npos)
      << log;
  EXPECT_EQ(log.find("no cert/pkey configured"), std::string::npos) << log;
  EXPECT_NE(log.find("WARNING use-auth-secret without any secret"), std::string::npos) << log;
}

// This machine's own /dev/log is the socket: where a syslog daemon runs, the fallback
// cannot be seen (log_test covers it with a socket path of its own).
TEST_F(OperatorLogTest, SyslogWithNoDaemon_LogsToStderrWithAWarning) {
  if (std::filesystem::exists("/dev/log")) GTEST_SKIP() << "a syslog daemon may listen here";
  ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false, .extra = {"--syslog"}}));
  // ternd answers before it says it is ready: wait for the line.
  std::string err;
  for (int i = 0; i < 100; ++i) {
    err = ternd().stderr_text();
    if (err.find(" INFO ternd ready") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(err.find(" WARNING syslog: no syslog daemon at /dev/log ("), std::string::npos) << err;
  EXPECT_NE(err.find(" INFO ternd ready"), std::string::npos) << err;
}

TEST(OperatorLogStartup, NoListenerAtAll_IsAStartupError) {
  TempDir dir;
  auto r = run_ternd({"--listening-ip", "127.0.0.1", "--no-udp", "--no-tcp", "--no-tls", "--user",
                      "a:b", "--realm", "x", "--log-file", "stderr"},
                     dir);
  EXPECT_FALSE(r.status.clean()) << r.out << r.err;
  EXPECT_NE(r.err.find("cannot start: no listener"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("ternd ready"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace tern::test
