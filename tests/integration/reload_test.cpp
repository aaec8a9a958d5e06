// Reload without dropping anything (SIGHUP, SIGUSR2): a renewed certificate reaches new
// TLS connections while an allocation made over the old one keeps relaying; a changed
// quota, max-bps or peer policy applies at once; a broken configuration is refused whole
// and the one in force stays.

#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "base/socket_address.h"
#include "tests/support/certs.h"
#include "tests/support/relay_burst.h"
#include "tests/support/temp_dir.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

class ReloadTest : public TurnTest {
 protected:
  // ternd as TurnTest::start makes it, reading `conf_` too, with a certificate of the
  // test CA when `tls`.
  void start_with_config(const std::string& config, bool tls = false) {
    ASSERT_TRUE(write_file(conf_, config));
    std::vector<std::string> args{"--relay-ip", "127.0.0.1",    "--allow-loopback-peers",
                                  "--user",     "alice:secret", "--realm",
                                  kRealm,       "-c",           conf_.string()};
    TerndOptions options{.args = std::move(args), .tls = tls};
    if (tls) {
      auto ca = make_test_ca(certs_.path());
      ASSERT_TRUE(ca) << ca.error();
      ca_ = *ca;
      ASSERT_NO_FATAL_FAILURE(issue("tern-one"));
      options.cert = CertFiles{certs_ / "server.pem", certs_ / "server.key"};
    }
    auto t = TerndProcess::start(std::move(options));
    ASSERT_TRUE(t) << t.error();
    ternd_.emplace(std::move(*t));
  }

  // A certificate of the test CA for CN=`cn` installed where ternd reads its own, as a
  // certbot deploy hook does.
  void issue(const std::string& cn) {
    auto made = make_ca_signed_cert(ca_, certs_.path(), cn, cn);
    ASSERT_TRUE(made) << made.error();
    const auto overwrite = std::filesystem::copy_options::overwrite_existing;
    std::filesystem::copy_file(made->cert, certs_ / "server.pem", overwrite);
    std::filesystem::copy_file(made->key, certs_ / "server.key", overwrite);
  }

  Result<StunClient, std::string> verified_tls() {
    return StunClient::connect_tls_verified(server(Transport::Tls, IpVersion::V4), ca_.cert);
  }

  // Waits (20 s at most: a loaded machine) for `text` in ternd's log.
  bool log_shows(const std::string& text) {
    for (auto until = std::chrono::steady_clock::now() + 20s;
         std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(20ms)) {
      if (ternd().log().find(text) != std::string::npos) return true;
    }
    return false;
  }

  // How many times `text` is in the log now.
  size_t log_count(const std::string& text) {
    const std::string log = ternd().log();
    size_t n = 0;
    for (size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++n;
    return n;
  }

  // Rewrites the config file, sends `sig` and waits for the reload's outcome line.
  void reload(const std::string& config, const std::string& outcome, int sig = SIGHUP) {
    const size_t before = log_count(outcome);
    ASSERT_TRUE(write_file(conf_, config));
    ASSERT_TRUE(ternd().send_signal(sig));
    for (auto until = std::chrono::steady_clock::now() + 20s;
         std::chrono::steady_clock::now() < until && log_count(outcome) == before;) {
      std::this_thread::sleep_for(20ms);
    }
    ASSERT_GT(log_count(outcome), before) << "no \"" << outcome << "\" line\n"
                                          << ternd().diagnostics();
  }

  TempDir dir_;
  TempDir certs_;
  std::filesystem::path conf_ = dir_ / "ternd.conf";
  CertFiles ca_;
};

class CertificateReloadTest : public ReloadTest, public ::testing::WithParamInterface<int> {};

TEST_P(CertificateReloadTest, NewConnectionSeesTheNewCertificate_OldConnectionKeepsRelaying) {
  ASSERT_NO_FATAL_FAILURE(start_with_config("user-quota=10\n", true));
  auto stun = verified_tls();
  ASSERT_TRUE(stun) << stun.error();
  EXPECT_EQ(stun->peer_certificate_subject(), "/CN=tern-one");
  TurnClient old_client = TurnClient::over(std::move(*stun));
  ASSERT_TRUE(IsSuccess(old_client.allocate({.family = Family::V4})));
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(p);
  ASSERT_TRUE(IsSuccess(old_client.create_permission({p->address()})));
  ASSERT_NO_FATAL_FAILURE(relays(old_client, *p, "before the renewal"));

  ASSERT_NO_FATAL_FAILURE(issue("tern-two"));
  ASSERT_NO_FATAL_FAILURE(reload("user-quota=10\n", "subject /CN=tern-two", GetParam()));

  auto fresh = verified_tls();
  ASSERT_TRUE(fresh) << fresh.error();
  EXPECT_EQ(fresh->peer_certificate_subject(), "/CN=tern-two");
  ASSERT_NO_FATAL_FAILURE(relays(old_client, *p, "after the renewal"));
  EXPECT_TRUE(IsSuccess(old_client.refresh(600)));
  EXPECT_TRUE(ternd().running()) << ternd().diagnostics();
}

INSTANTIATE_TEST_SUITE_P(Signals, CertificateReloadTest, ::testing::Values(SIGHUP, SIGUSR2),
                         [](const auto& info) {
                           return std::string(info.param == SIGHUP ? "Sighup" : "Sigusr2");
                         });

TEST_F(ReloadTest, BrokenCertificate_IsRefused_NewConnectionsKeepTheOldOne) {
  ASSERT_NO_FATAL_FAILURE(start_with_config("", true));
  ASSERT_TRUE(write_file(certs_ / "server.key", "not a key\n"));
  ASSERT_NO_FATAL_FAILURE(reload("", "reload refused: TLS: pkey "));
  auto fresh = verified_tls();
  ASSERT_TRUE(fresh) << fresh.error();
  EXPECT_EQ(fresh->peer_certificate_subject(), "/CN=tern-one");
}

TEST_F(ReloadTest, BrokenConfig_IsRefusedWhole_NamingFileLineAndOption_OldQuotaStays) {
  ASSERT_NO_FATAL_FAILURE(start_with_config("user-quota=5\n"));
  // The first line alone would apply; the second makes the whole file refused.
  ASSERT_NO_FATAL_FAILURE(reload("user-quota=1\nmax-bps=lots\n", "reload refused"));
  EXPECT_NE(ternd().log().find(conf_.string() + ":2: max-bps:"), std::string::npos)
      << ternd().diagnostics();
  const auto udp = server(Transport::Udp, IpVersion::V4);
  auto first = allocated_client(Transport::Udp, udp, {.family = Family::V4});
  auto second = allocated_client(Transport::Udp, udp, {.family = Family::V4});
  EXPECT_TRUE(first && second) << "user-quota=1 applied from a refused file";
}

TEST_F(ReloadTest, ChangeThatNeedsARestart_IsRefused_NamingTheOption) {
  ASSERT_NO_FATAL_FAILURE(start_with_config("user-quota=5\n"));
  ASSERT_NO_FATAL_FAILURE(reload("user-quota=1\nrelay-threads=7\n", "reload refused"));
  EXPECT_NE(ternd().log().find("relay-threads: changed, which needs a restart"), std::string::npos)
      << ternd().diagnostics();
  auto tcp = connected_client(Transport::Tcp, server(Transport::Tcp, IpVersion::V4));
  ASSERT_TRUE(tcp);
  EXPECT_TRUE(IsSuccess(tcp->allocate({.family = Family::V4})));
}

TEST_F(ReloadTest, LowerUserQuota_RefusesNewAllocations_KeepsTheOldOne) {
  ASSERT_NO_FATAL_FAILURE(start_with_config("user-quota=5\n"));
  const auto udp = server(Transport::Udp, IpVersion::V4);
  auto held = allocated_client(Transport::Udp, udp, {.family = Family::V4});
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(held && p);
  ASSERT_TRUE(IsSuccess(held->create_permission({p->address()})));

  ASSERT_NO_FATAL_FAILURE(reload("user-quota=1\n", "user-quota: 1 (was 5)"));
  auto refused = connected_client(Transport::Udp, udp);
  ASSERT_TRUE(refused);
  EXPECT_TRUE(IsError(refused->allocate({.family = Family::V4}), 486));
  ASSERT_NO_FATAL_FAILURE(relays(*held, *p, "held through the reload"));
}

TEST_F(ReloadTest, DeniedPeerAdded_NewPermissionIs403) {
  ASSERT_NO_FATAL_FAILURE(start_with_config(""));
  auto c = allocated(Transport::Udp, IpVersion::V4, {.family = Family::V4});
  // Not a relay IP: a permission for one of those is judged by port, per datagram.
  auto p = peer(*parse_ip("127.0.0.2"));
  ASSERT_TRUE(c && p);
  TransportAddress other = p->address();
  other.port = static_cast<uint16_t>(other.port + 1);  // only the IP is judged
  ASSERT_TRUE(IsSuccess(c->create_permission({p->address()})));

  ASSERT_NO_FATAL_FAILURE(
      reload("denied-peer-ip=" + p->address().ip_string() + "\n", "peer policy: "));
  EXPECT_TRUE(IsError(c->create_permission({other}), 403));
}

TEST_F(ReloadTest, UserAddedToTheFile_Allocates_LowerLifetime_AppliesToNewAllocations) {
  ASSERT_NO_FATAL_FAILURE(start_with_config(""));
  const auto udp = server(Transport::Udp, IpVersion::V4);
  auto bob = connected_client(Transport::Udp, udp, {.username = "bob", .password = "bobpw"});
  ASSERT_TRUE(bob);
  EXPECT_TRUE(IsError(bob->allocate({.family = Family::V4}), 401));

  ASSERT_NO_FATAL_FAILURE(
      reload("user=bob:bobpw\nmax-allocate-lifetime=120\n", "max-allocate-lifetime: 120"));
  auto again = connected_client(Transport::Udp, udp, {.username = "bob", .password = "bobpw"});
  ASSERT_TRUE(again);
  auto made = again->allocate({.family = Family::V4, .lifetime = 3000});
  ASSERT_TRUE(IsSuccess(made));
  EXPECT_EQ(made->lifetime(), 120u);
  EXPECT_NE(ternd().log().find("user: 2 users (was 1)"), std::string::npos)
      << ternd().diagnostics();
}

TEST_F(ReloadTest, VerboseSet_DebugLinesFollow) {
  ASSERT_NO_FATAL_FAILURE(start_with_config(""));
  ASSERT_NO_FATAL_FAILURE(reload("verbose\n", "verbose: on"));
  ASSERT_TRUE(ternd().stop().clean()) << ternd().diagnostics();
  EXPECT_NE(ternd().log().find(" DEBUG worker 0 stopped"), std::string::npos)
      << ternd().diagnostics();
}

TEST_F(ReloadTest, MaxBpsSet_CapsAnAllocationMadeBefore) {
  ASSERT_NO_FATAL_FAILURE(start_with_config(""));
  auto c = allocated(Transport::Udp, IpVersion::V4, {.family = Family::V4});
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(c && p);
  constexpr uint16_t kChannel = 0x4000;
  ASSERT_TRUE(IsSuccess(c->channel_bind(kChannel, p->address())));

  ASSERT_NO_FATAL_FAILURE(reload("max-bps=20000\n", "max-bps: 20000 (was 0)"));
  burst_to_peer(*c, kChannel, *p, Burst{});
  // 100 KB against a 64 KB bucket refilled at 20 KB/s: ternd drops some, however late.
  auto counters = stop_and_count();
  EXPECT_GT(counters["bandwidth_dropped_to_peer"], 0u);
}

}  // namespace
}  // namespace tern::test
