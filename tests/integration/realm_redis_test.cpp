// The realm's options and peer ranges in Redis (--redis-userdb), written with redis-cli on
// coturn's key schema (turn/realm/<realm>/user-quota, .../denied-peer-ip) as a coturn
// deployment would: they reach the running ternd within about 2 s, with keyspace
// notifications off (ternd polls every second). A range that does not parse is skipped
// and logged once; the others still apply.

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/credential_probes.h"
#include "tests/support/realm_probes.h"
#include "tests/support/redis_server.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

// About 2 s on a quiet machine (each wait prints how long it took); the bound is slack
// for a loaded CI machine, where redis-server and ternd's loop wait for a core.
constexpr auto kPropagation = 10'000ms;

std::string realm_key(const std::string& rest) {
  return "turn/realm/" + std::string(kRealm) + "/" + rest;
}

size_t occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class RealmRedisTest : public TurnTest {
 protected:
  void SetUp() override {
    std::string error;
    redis_ = RedisServer::start({.notify_keyspace_events = "", .password = ""}, error);
    ASSERT_TRUE(redis_) << error;
    std::vector<std::string> extra{"--redis-userdb", redis_->connection_string() + " dbname=0"};
    ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false, .extra = extra}));
  }

  // One command, as an operator types it with redis-cli; fails the test on an error.
  void cli(const std::vector<std::string>& args) {
    const std::string out = redis_->call(args);
    ASSERT_EQ(out.find("ERR"), std::string::npos) << args[0] << ": " << out;
  }

  TransportAddress udp() const { return server(Transport::Udp, IpVersion::V4); }

  std::unique_ptr<RedisServer> redis_;
};

TEST_F(RealmRedisTest, UserQuotaSetWithRedisCli_Is486_DelAllowsAgain) {
  auto held = allocated(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(held);
  ASSERT_TRUE(IsSuccess(allocate_once(udp(), {})));

  ASSERT_NO_FATAL_FAILURE(cli({"SET", realm_key("user-quota"), "1"}));
  Polled p = poll_allocate(udp(), {}, is_486, kPropagation);
  std::cout << "[ redis  ] 486 after " << p.elapsed.count() << " ms\n";
  EXPECT_TRUE(p.reached) << "last outcome: " << outcome(p.last) << "\n" << ternd().diagnostics();
  EXPECT_TRUE(IsSuccess(held->refresh(600))) << "the held allocation lives on";

  ASSERT_NO_FATAL_FAILURE(cli({"DEL", realm_key("user-quota")}));
  p = poll_allocate(udp(), {}, is_success, kPropagation);
  EXPECT_TRUE(p.reached) << "last outcome: " << outcome(p.last);
}

TEST_F(RealmRedisTest, DeniedPeerAddedWithSadd_Is403_StopsTraffic_BadRangeSkippedOnce) {
  auto p = peer(TransportAddress::v4({127, 0, 0, 2}, 0));
  auto client = allocated(Transport::Udp, IpVersion::V4);
  auto probe = allocated(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(p && client && probe);
  ASSERT_TRUE(IsSuccess(client->create_permission({p->address()})));
  ASSERT_TRUE(RelaysBothWays(*client, *p, "before the denial"));

  // coturn's schema holds the ranges as set members; a typo sits beside the real one.
  ASSERT_NO_FATAL_FAILURE(
      cli({"SADD", realm_key("denied-peer-ip"), "127.0.0.2", "127.0.0.300-oops"}));
  TurnResult last = unexpected(std::string("not tried"));
  bool probe_had_one = false;  // made before the reload: revoked with the client's
  const Waited w = poll_until(
      [&] {
        last = probe->create_permission({p->address()});
        probe_had_one |= last && last->is_success();
        return is_403(last);
      },
      kPropagation);
  std::cout << "[ redis  ] 403 after " << w.elapsed.count() << " ms\n";
  EXPECT_TRUE(w.reached) << "last outcome: " << outcome(last) << "\n" << ternd().diagnostics();

  ASSERT_TRUE(client->send_indication(p->address(), payload("after the denial")));
  EXPECT_TRUE(p->silent_for(500ms)) << "data reached a denied peer";
  ASSERT_TRUE(p->send_to(client->relayed().front(), payload("from a denied peer")));
  EXPECT_FALSE(client->receive_data(500ms)) << "a denied peer's data reached the client";

  // Another change rebuilds the policy; the bad range is still there, still skipped, and
  // not logged again.
  ASSERT_NO_FATAL_FAILURE(cli({"SET", realm_key("max-bps"), "1000000"}));
  ASSERT_NO_FATAL_FAILURE(cli({"SREM", realm_key("denied-peer-ip"), "127.0.0.2"}));
  const Waited reopened = poll_until(
      [&] {
        last = probe->create_permission({p->address()});
        return last && last->is_success();
      },
      kPropagation);
  EXPECT_TRUE(reopened.reached) << "last outcome: " << outcome(last);

  // Answered after the client's Send indication above (one socket, in order): the
  // revocation it caused is counted before the stop, however late ternd ran.
  EXPECT_TRUE(IsSuccess(client->refresh(600)));
  auto counters = stop_and_count();
  EXPECT_EQ(counters["permissions_revoked"], probe_had_one ? 2u : 1u);
  const std::string log = ternd().log();
  EXPECT_EQ(occurrences(log, "skipped denied-peer-ip 127.0.0.300-oops"), 1u) << log;
}

}  // namespace
}  // namespace tern::test
