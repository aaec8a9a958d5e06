// REST secret rotation through the Redis store (--redis-userdb with --use-auth-secret), done
// with redis-cli as an operator would: SADD a new secret, hand out credentials minted
// with it, then SREM the old one. New allocations with the old secret's credentials are
// refused from then on; an allocation made with it before keeps relaying (data is not
// authenticated), while its next Refresh, checked against the secrets of the moment, is 401.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/credential_probes.h"
#include "tests/support/redis_server.h"
#include "tests/support/rest_mint.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

// About a second on a quiet machine (each wait prints how long it took); the bound is
// slack for a loaded CI machine, where redis-cli, redis-server and ternd wait for a core.
constexpr auto kPropagation = 10s;

std::string secret_key() {
  return "turn/realm/" + std::string(kRealm) + "/secret";
}

// Keyspace notifications on ("KEA") and off (Redis' default: ternd polls every second).
class CredentialsRedisRotationTest : public TurnTest,
                                     public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    std::string error;
    redis_ = RedisServer::start({.notify_keyspace_events = GetParam(), .password = ""}, error);
    ASSERT_TRUE(redis_) << error;
  }

  void start_ternd() {
    ASSERT_NO_FATAL_FAILURE(
        start({.ipv6_relay = false,
               .extra = {"--redis-userdb", redis_->connection_string() + " dbname=0",
                         "--use-auth-secret"}}));
  }

  // redis-cli, as an operator types it; fails the test on a non-zero exit.
  void cli(const std::vector<std::string>& args) { ASSERT_TRUE(redis_->cli_ok(args)); }

  void expect_within(const TurnCredentials& credentials,
                     const std::function<bool(const TurnResult&)>& wanted, const char* what) {
    Polled p = poll_allocate(udp(), credentials, wanted, kPropagation);
    std::cout << "[ rotate ] " << what << " after " << p.elapsed.count() << " ms\n";
    EXPECT_TRUE(p.reached) << what << " not seen within " << kPropagation.count()
                           << " s; last outcome: " << (p.last ? p.last->describe() : p.last.error())
                           << "\n"
                           << ternd().diagnostics() << "\nredis log (tail):\n"
                           << tail(redis_->log(), 10);
  }

  TransportAddress udp() const { return server(Transport::Udp, IpVersion::V4); }

  std::unique_ptr<RedisServer> redis_;
};

TEST_P(CredentialsRedisRotationTest,
       SremOldSecret_NewAllocationsWithIt_Are401_TheNewSecretAllocates_AndTheOldAllocationRelays) {
  ASSERT_NO_FATAL_FAILURE(cli({"SADD", secret_key(), "secret-a"}));
  ASSERT_NO_FATAL_FAILURE(start_ternd());
  const int64_t expiry = unix_now() + 3600;
  const TurnCredentials minted_a = rest_credentials("secret-a", expiry, "carol");
  const TurnCredentials minted_b = rest_credentials("secret-b", expiry, "carol");
  // The first snapshot is read after ternd answers, so allow it the same bound.
  expect_within(minted_a, is_success, "A from Redis allocates");

  auto old = allocated(Transport::Udp, IpVersion::V4, {}, minted_a);
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(old && p);
  ASSERT_TRUE(IsSuccess(old->create_permission({p->address()})));
  ASSERT_TRUE(RelaysBothWays(*old, *p, "made with A"));
  ASSERT_TRUE(IsError(allocate_once(udp(), minted_b), 401)) << "B works before it was added";

  ASSERT_NO_FATAL_FAILURE(cli({"SADD", secret_key(), "secret-b"}));
  expect_within(minted_b, is_success, "B added allocates");
  EXPECT_TRUE(IsSuccess(old->refresh(600))) << "A still verifies while both are listed";
  auto fresh = allocated(Transport::Udp, IpVersion::V4, {}, minted_b);
  ASSERT_TRUE(fresh);
  ASSERT_TRUE(IsSuccess(fresh->create_permission({p->address()})));
  ASSERT_TRUE(RelaysBothWays(*fresh, *p, "made with B"));
  EXPECT_TRUE(IsSuccess(old->refresh(600))) << "A still verifies while both are listed";

  ASSERT_NO_FATAL_FAILURE(cli({"SREM", secret_key(), "secret-a"}));
  expect_within(minted_a, is_401, "A removed refused");
  EXPECT_TRUE(IsSuccess(allocate_once(udp(), minted_b))) << "B after A's removal";
  EXPECT_TRUE(RelaysBothWays(*fresh, *p, "B's allocation after A's removal"));
  EXPECT_TRUE(RelaysBothWays(*old, *p, "A's allocation after A's removal"));
  // Every request is checked against the secrets listed now, so A's credentials no longer
  // refresh; the allocation lives out the lifetime it was granted.
  EXPECT_TRUE(IsError(old->refresh(600), 401));
  EXPECT_TRUE(RelaysBothWays(*old, *p, "A's allocation after its refused Refresh"));
}

INSTANTIATE_TEST_SUITE_P(Notifications, CredentialsRedisRotationTest, ::testing::Values("KEA", ""),
                         [](const auto& info) {
                           return info.param.empty() ? std::string("Polling")
                                                     : std::string("Keyspace");
                         });

}  // namespace
}  // namespace tern::test
