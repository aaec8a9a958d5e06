// The fleet's Redis listeners through Redis Sentinel: `ternctl fleet kill` (subscribed on
// the statsdb) and the fleet nonce secret (read from the user store) go to the master the
// sentinels name, and after a failover to the promoted replica.

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

class FleetSentinelTest : public TurnTest {};

size_t count(const std::string& text, std::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST_F(FleetSentinelTest, MasterKilled_FleetKillAndNonceSecret_FollowThePromotedReplica) {
  std::string error;
  auto redis = RedisSentinels::start(error);
  ASSERT_TRUE(redis) << error;
  const std::string conn = redis->connection_string();
  ASSERT_NO_FATAL_FAILURE(
      start({.extra = {"--realm", "tern.test", "--redis-statsdb", conn, "--redis-userdb", conn}}));
  const std::string secret_said = "nonce secret from redis-userdb";
  ASSERT_TRUE(redis->first().cli_ok({"SET", "tern/nonce-secret", "before"}));
  ASSERT_TRUE(eventually(
      [&] {
        const std::string log = ternd().log();
        return log.find("listening for fleet kills") != std::string::npos &&
               log.find(secret_said) != std::string::npos;
      },
      20s))
      << "no fleet kill subscription or nonce secret through the sentinels\n"
      << ternd().diagnostics();

  redis->first().kill();
  RedisServer* promoted = redis->wait_for_failover(redis->first(), 30s);
  ASSERT_TRUE(promoted) << "the sentinels promoted no replica\n" << tail(redis->log(), 20);

  ASSERT_TRUE(promoted->cli_ok({"SET", "tern/nonce-secret", "after"}));
  EXPECT_TRUE(eventually([&] { return count(ternd().log(), secret_said) >= 2; }, 10s))
      << "the secret set on the new master was not taken\n"
      << ternd().diagnostics();

  auto c = allocated(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  // A kill published on the new master reaches the node once it has subscribed there.
  EXPECT_TRUE(eventually(
      [&] {
        return promoted->call({"PUBLISH", "tern/fleet/kill", "alice"}) == "1";
      },
      10s))
      << "no node subscribed on the new master\n"
      << ternd().diagnostics();
  EXPECT_TRUE(eventually([&] { return IsError(c->refresh(600), 437); }, 5s));
}

}  // namespace
}  // namespace tern::test
