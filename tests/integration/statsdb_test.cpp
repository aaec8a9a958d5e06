// --redis-statsdb: ternd publishes allocation status to Redis in coturn's key schema, so a
// fleet sharing one Redis can be watched as one.

#include <gtest/gtest.h>

#include <string>

#include "tests/support/eventually.h"
#include "tests/support/redis_server.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

class StatsdbTest : public TurnTest {};

TEST_F(StatsdbTest, Allocation_StatusKeySetWithExpiry_DeletedOnRefreshZero) {
  std::string error;
  auto redis = RedisServer::start({}, error);
  ASSERT_TRUE(redis) << error;
  ASSERT_NO_FATAL_FAILURE(
      start({.extra = {"--realm", "tern.test", "--redis-statsdb", redis->connection_string()}}));
  auto c = allocated(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  const std::string pattern = "turn/realm/tern.test/user/alice/allocation/*/status";
  std::string key;
  ASSERT_TRUE(eventually([&] {
    key = redis->call({"KEYS", pattern});
    return !key.empty();
  })) << "no status key for alice";
  EXPECT_EQ(redis->call({"GET", key}), "new lifetime=600");
  const int ttl = std::stoi(redis->call({"TTL", key}));
  EXPECT_GT(ttl, 500);
  EXPECT_LE(ttl, 600);

  ASSERT_TRUE(IsSuccess(c->refresh(1200)));
  EXPECT_TRUE(eventually([&] { return redis->call({"GET", key}) == "refreshed lifetime=1200"; }));

  ASSERT_TRUE(IsSuccess(c->refresh(0)));
  EXPECT_TRUE(eventually([&] { return redis->call({"EXISTS", key}) == "0"; }));
}

TEST_F(StatsdbTest, RedisAway_TernKeepsAllocating) {
  std::string error;
  auto redis = RedisServer::start({}, error);
  ASSERT_TRUE(redis) << error;
  const std::string conn = redis->connection_string();
  redis->stop();
  ASSERT_NO_FATAL_FAILURE(start({.extra = {"--realm", "tern.test", "--redis-statsdb", conn}}));
  auto c = allocated(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  EXPECT_TRUE(IsSuccess(c->refresh(600)));
}

}  // namespace
}  // namespace tern::test
