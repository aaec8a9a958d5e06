// Draining a real ternd (SIGUSR1, ternctl drain): new Allocates are refused (403) or sent
// to an alternate server (300), the allocations it has keep refreshing and relaying, and
// ternd exits 0 once the last one ends, or at --drain-timeout.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "base/socket_address.h"
#include "protocol/plain_address.h"
#include "tests/support/free_ports.h"
#include "tests/support/http_probe.h"
#include "tests/support/ternctl.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

constexpr auto kBound = 10s;  // generous: a loaded 2-core machine
constexpr const char* kToken = "drain-test-t0ken";

class DrainTest : public TurnTest {
 protected:
  // A new client's Allocate answered `code`, once the drain (asynchronous to the test) is
  // in force. An Allocate that still succeeded is deleted, so it does not hold the drain.
  TurnResult wait_for_new_allocate(uint16_t code) {
    const auto deadline = std::chrono::steady_clock::now() + kBound;
    TurnResult last = unexpected(std::string("no attempt"));
    while (std::chrono::steady_clock::now() < deadline) {
      auto c = connect(Transport::Udp, IpVersion::V4);
      if (!c) break;
      last = c->allocate();
      if (last && last->code() == code) return last;
      if (last && last->is_success()) {
        EXPECT_TRUE(IsSuccess(c->refresh(0)));
      }
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "no Allocate answered " << code
                  << " within 10 s; the last: " << (last ? last->describe() : last.error()) << "\n"
                  << ternd().diagnostics();
    return last;
  }

  // True once ternd has exited, within the bound.
  bool exits() {
    const auto deadline = std::chrono::steady_clock::now() + kBound;
    while (ternd().running()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(20ms);
    }
    return true;
  }
};

// Relays `text` both ways through `c`'s allocation (a permission for `p` exists).
void relays_both_ways(TurnClient& c, UdpPeer& p, Family family, const std::string& text) {
  ASSERT_TRUE(c.send_indication(p.address(), payload(text + " to peer")));
  auto at_peer = p.receive();
  ASSERT_TRUE(at_peer) << text;
  EXPECT_EQ(text_of(at_peer->data), text + " to peer");
  ASSERT_TRUE(p.send_to(c.relayed(family), payload(text + " to client")));
  auto at_client = c.receive_data();
  ASSERT_TRUE(at_client) << text << ": " << to_string(at_client.error());
  EXPECT_EQ(text_of(at_client->data), text + " to client");
}

TEST_F(DrainTest, Sigusr1_NewAllocatesGet403_TheLiveOneKeepsWorking_ExitZeroWhenItEnds) {
  ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false}));
  auto held = allocated(Transport::Udp, IpVersion::V4, {.family = Family::V4});
  auto p = peer(IpVersion::V4);
  auto p2 = peer(IpVersion::V4);
  ASSERT_TRUE(held && p && p2);
  ASSERT_TRUE(IsSuccess(held->create_permission({p->address()})));
  ASSERT_NO_FATAL_FAILURE(relays_both_ways(*held, *p, Family::V4, "before"));

  ASSERT_TRUE(ternd().send_signal(SIGUSR1));
  ASSERT_TRUE(IsError(wait_for_new_allocate(403), 403));
  // Now that the drain is in force, a client's first Allocate (no credentials) is refused
  // before any are asked for.
  auto fresh = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(fresh);
  auto refused = fresh->allocate();
  ASSERT_TRUE(IsError(refused, 403));
  EXPECT_EQ(refused->integrity(), ResponseIntegrity::None) << *refused;

  // One with credentials is checked first and refused with a signed 403.
  auto signed_client = connect(Transport::Tcp, IpVersion::V4);
  ASSERT_TRUE(signed_client);
  ASSERT_TRUE(
      IsError(signed_client->send_request(stun::Method::Refresh, {}, {.integrity = false}), 401));
  auto signed_refusal = signed_client->send_request(stun::Method::Allocate, allocate_body({}));
  ASSERT_TRUE(IsError(signed_refusal, 403));
  EXPECT_EQ(signed_refusal->integrity(), ResponseIntegrity::Sha1) << *signed_refusal;

  // The allocation made before the drain refreshes, adds permissions and channels, relays.
  EXPECT_TRUE(IsSuccess(held->refresh(600)));
  EXPECT_TRUE(IsSuccess(held->create_permission({p2->address()})));
  EXPECT_TRUE(IsSuccess(held->channel_bind(0x4000, p2->address())));
  ASSERT_NO_FATAL_FAILURE(relays_both_ways(*held, *p, Family::V4, "during the drain"));
  ASSERT_TRUE(held->send_channel_data(0x4000, payload("by channel")));
  auto by_channel = p2->receive();
  ASSERT_TRUE(by_channel);
  EXPECT_EQ(text_of(by_channel->data), "by channel");
  EXPECT_TRUE(ternd().running()) << "ternd stopped with an allocation left";

  ASSERT_TRUE(IsSuccess(held->refresh(0)));
  ASSERT_TRUE(exits()) << "ternd still running 10 s after its last allocation ended\n"
                       << ternd().diagnostics();
  const ExitStatus status = ternd().stop();
  EXPECT_TRUE(status.clean()) << status.describe() << "\n" << ternd().diagnostics();
  const std::string log = ternd().log();
  EXPECT_NE(log.find("SIGUSR1: draining"), std::string::npos) << log;
  EXPECT_NE(log.find("drained: the last allocation has ended"), std::string::npos) << log;
  auto counters = parse_counters(log);
  ASSERT_TRUE(counters);
  EXPECT_GE((*counters)["allocations_refused_draining"], 2u);
}

TEST_F(DrainTest, WithAnAlternateServer_NewAllocatesGet300ToIt) {
  // One list for every node, this one included: served here until the drain.
  ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false,
                                 .extra = {"--alternate-server", "127.0.0.1:{port}",
                                           "--alternate-server", "127.0.0.2:40001"}}));
  auto held = allocated(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(held);
  ASSERT_TRUE(ternd().send_signal(SIGUSR1));
  auto redirected = wait_for_new_allocate(300);
  ASSERT_TRUE(IsError(redirected, 300));
  auto alternate = stun::AlternateServer::get_from(redirected->view());
  ASSERT_TRUE(alternate) << *redirected;
  EXPECT_EQ(alternate->address, parse_ip("127.0.0.2", 40001)) << *redirected;
  EXPECT_TRUE(IsSuccess(held->refresh(600)));
}

TEST_F(DrainTest, DrainTimeout_StopsWithAllocationsLeft_ExitZero) {
  ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false, .extra = {"--drain-timeout", "1"}}));
  auto held = allocated(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(held);
  ASSERT_TRUE(ternd().send_signal(SIGUSR1));
  ASSERT_TRUE(exits()) << "ternd still running 10 s after a drain with drain-timeout 1\n"
                       << ternd().diagnostics();
  const ExitStatus status = ternd().stop();
  EXPECT_TRUE(status.clean()) << status.describe() << "\n" << ternd().diagnostics();
  EXPECT_NE(ternd().log().find("drain-timeout: 1 s passed"), std::string::npos) << ternd().log();
}

TEST_F(DrainTest, Ternctl_Drain_StatsAndMetricsShowIt) {
  if (!std::filesystem::exists(ternctl_path())) GTEST_SKIP() << "no ternctl built";
  const uint16_t admin_port = free_tcp_port();
  const uint16_t metrics_port = free_tcp_port();
  const std::string admin = "127.0.0.1:" + std::to_string(admin_port);
  ASSERT_NO_FATAL_FAILURE(
      start({.ipv6_relay = false,
             .extra = {"--admin-listen", admin, "--admin-token", kToken, "--prometheus-listen",
                       "127.0.0.1:" + std::to_string(metrics_port)}}));
  if (ternd().log().find("admin API on") == std::string::npos) {
    GTEST_SKIP() << "another process took the admin port";
  }
  auto held = allocated(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(held);
  const auto ternctl = [&](const std::string& command) {
    return run_ternctl({command, "--server", admin, "--token", kToken}, ternd().dir());
  };
  auto before = ternctl("stats");
  ASSERT_TRUE(before.status.clean()) << before.err;
  EXPECT_NE(before.out.find("draining"), std::string::npos) << before.out;
  EXPECT_EQ(before.out.find("yes"), std::string::npos) << before.out;

  auto drained = ternctl("drain");
  ASSERT_TRUE(drained.status.clean()) << drained.err;
  EXPECT_EQ(drained.out, "ternd is draining: 1 allocation left; it exits when it has ended\n");
  EXPECT_TRUE(IsError(wait_for_new_allocate(403), 403));

  auto after = ternctl("stats");
  ASSERT_TRUE(after.status.clean()) << after.err;
  EXPECT_NE(after.out.find("yes: no new allocations"), std::string::npos) << after.out;
  auto metrics = http("GET", "/metrics", std::nullopt, metrics_port);
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("\ntern_draining 1\n"), std::string::npos) << metrics->body;
  auto again = ternctl("drain");
  EXPECT_TRUE(again.status.clean()) << again.err;
  EXPECT_NE(again.out.find("already"), std::string::npos) << again.out;

  ASSERT_TRUE(IsSuccess(held->refresh(0)));
  ASSERT_TRUE(exits()) << ternd().diagnostics();
  EXPECT_TRUE(ternd().stop().clean()) << ternd().diagnostics();
}

}  // namespace
}  // namespace tern::test
