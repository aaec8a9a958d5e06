// --redis-statsdb through Redis Sentinel: the status keys go to the master the sentinels
// name, and after a failover to the promoted replica.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "tests/support/eventually.h"
#include "tests/support/redis_sentinels.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

class StatsdbSentinelTest : public TurnTest {};

TEST_F(StatsdbSentinelTest, MasterKilled_StatusAfterTheFailover_ReachesThePromotedReplica) {
  std::string error;
  auto redis = RedisSentinels::start(error);
  ASSERT_TRUE(redis) << error;
  ASSERT_NO_FATAL_FAILURE(
      start({.extra = {"--realm", "tern.test", "--redis-statsdb", redis->connection_string()}}));
  auto c = allocated(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  const std::string pattern = "turn/realm/tern.test/user/alice/allocation/*/status";
  std::string key;
  ASSERT_TRUE(eventually(
      [&] {
        key = redis->first().call({"KEYS", pattern});
        return !key.empty();
      },
      20s))
      << "no status key on the master\n"
      << ternd().diagnostics();

  redis->first().kill();
  RedisServer* promoted = redis->wait_for_failover(redis->first(), 30s);
  ASSERT_TRUE(promoted) << "the sentinels promoted no replica\n" << tail(redis->log(), 20);
  ASSERT_TRUE(IsSuccess(c->refresh(1200)));
  EXPECT_TRUE(eventually(
      [&] {
        if (promoted->call({"GET", key}) == "refreshed lifetime=1200") return true;
        // A refresh sent while ternd was still reconnecting is dropped (counted), as in
        // any outage: refresh again until one lands.
        (void)c->refresh(1200);
        return false;
      },
      10s))
      << "the refresh never reached the new master\n"
      << ternd().diagnostics();
}

}  // namespace
}  // namespace tern::test
