// --redis-userdb through Redis Sentinel (issue #14, "Redis high availability"): ternd asks
// three redis-sentinels for the master, clients allocate with REST credentials, and the
// master is killed. While the sentinels promote the replica ternd keeps answering from its
// cached secrets; afterwards a secret added on the new master works within seconds, and
// every allocation made before the failover still refreshes and relays.
//
// Each test runs twice: over plain TCP, and over TLS (tls=1, coturn 4.14's keys) with
// servers and sentinels that demand a client certificate, which ternd presents (cert=,
// clientkey=), so the sentinels, the master and the promoted replica are all reached over
// verified TLS.

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/certs.h"
#include "tests/support/credential_probes.h"
#include "tests/support/redis_sentinels.h"
#include "tests/support/rest_mint.h"
#include "tests/support/temp_dir.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

constexpr auto kPropagation = 10s;  // the bound for a secret on the new master
constexpr auto kFailover = 30s;     // about 3 s on a quiet machine

std::string secret_key() {
  return "turn/realm/" + std::string(kRealm) + "/secret";
}

enum class RedisLink { Tcp, Tls };

std::string link_name(const ::testing::TestParamInfo<RedisLink>& info) {
  return info.param == RedisLink::Tcp ? "Tcp" : "Tls";
}

class CredentialsRedisSentinelTest : public TurnTest,
                                     public ::testing::WithParamInterface<RedisLink> {
 protected:
  void start_redis(bool promotable = true) {
    RedisServer::Options options{.notify_keyspace_events = "", .password = ""};
    if (GetParam() == RedisLink::Tls) {
      auto ca = make_test_ca(certs_.path());
      ASSERT_TRUE(ca) << ca.error();
      auto server = make_ca_signed_cert(*ca, certs_.path(), "redis", "redis.tern.test");
      ASSERT_TRUE(server) << server.error();
      auto client = make_ca_signed_cert(*ca, certs_.path(), "ternd", "ternd.tern.test");
      ASSERT_TRUE(client) << client.error();
      options.tls_cert = server->cert.string();
      options.tls_key = server->key.string();
      options.tls_ca = ca->cert.string();
      options.tls_auth_clients = "yes";
      client_cert_ = " cert=" + client->cert.string() + " clientkey=" + client->key.string();
    }
    std::string error;
    redis_ = RedisSentinels::start(error, true, promotable, options);
    ASSERT_TRUE(redis_) << error;
  }
  std::string connection_string() const { return redis_->connection_string() + client_cert_; }

  std::string diagnostics() {
    return ternd().diagnostics() + "\nsentinels (tail):\n" + tail(redis_->log(), 20);
  }
  TransportAddress udp() const { return server(Transport::Udp, IpVersion::V4); }

  TempDir certs_;
  std::string client_cert_;  // with TLS: " cert=... clientkey=..."
  std::unique_ptr<RedisSentinels> redis_;
};

INSTANTIATE_TEST_SUITE_P(Links, CredentialsRedisSentinelTest,
                         ::testing::Values(RedisLink::Tcp, RedisLink::Tls), link_name);

TEST_P(CredentialsRedisSentinelTest,
       MasterKilled_CachedSecretsServe_NewMastersSecretWorksWithin10s_NoAllocationLost) {
  ASSERT_NO_FATAL_FAILURE(start_redis());
  ASSERT_EQ(redis_->first().call({"SADD", secret_key(), "secret-a"}), "1");
  ASSERT_NO_FATAL_FAILURE(
      start({.ipv6_relay = false,
             .extra = {"--redis-userdb", connection_string(), "--use-auth-secret"}}));
  const int64_t expiry = unix_now() + 3600;
  const TurnCredentials minted_a = rest_credentials("secret-a", expiry, "carol");
  const TurnCredentials minted_b = rest_credentials("secret-b", expiry, "dave");
  const Polled first = poll_allocate(udp(), minted_a, is_success, kPropagation);
  ASSERT_TRUE(first.reached) << "secret-a from the master never allocated\n" << diagnostics();

  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(p);
  std::vector<TurnClient> before;
  for (int i = 0; i < 3; ++i) {
    auto client = allocated(Transport::Udp, IpVersion::V4, {}, minted_a);
    ASSERT_TRUE(client) << diagnostics();
    ASSERT_TRUE(IsSuccess(client->create_permission({p->address()})));
    before.push_back(std::move(*client));
  }

  redis_->first().kill();
  // Before the sentinels have acted: the cached secret still allocates.
  auto during = allocated(Transport::Udp, IpVersion::V4, {}, minted_a);
  ASSERT_TRUE(during) << "no allocation from the cache with the master gone\n" << diagnostics();
  ASSERT_TRUE(IsSuccess(during->create_permission({p->address()})));
  RedisServer* promoted = redis_->wait_for_failover(redis_->first(), kFailover);
  ASSERT_TRUE(promoted) << "the sentinels promoted no replica\n" << diagnostics();
  ASSERT_EQ(promoted, &redis_->second());

  ASSERT_EQ(promoted->call({"SADD", secret_key(), "secret-b"}), "1");
  const Polled b = poll_allocate(udp(), minted_b, is_success, kPropagation);
  std::cout << "[ sentinel ] secret-b from the new master allocates after " << b.elapsed.count()
            << " ms\n";
  EXPECT_TRUE(b.reached) << "secret-b added on the new master not seen within "
                         << kPropagation.count()
                         << " s; last outcome: " << (b.last ? b.last->describe() : b.last.error())
                         << "\n"
                         << diagnostics();
  EXPECT_TRUE(IsSuccess(allocate_once(udp(), minted_a))) << "secret-a, replicated, still works";

  before.push_back(std::move(*during));
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_TRUE(IsSuccess(before[i].refresh(600))) << "allocation " << i << " lost";
    EXPECT_TRUE(RelaysBothWays(before[i], *p, "allocation made before the failover"));
  }
}

// The sentinels cannot promote the replica (replica-priority 0): no master is known, and a
// ternd starting now, with nothing cached, reads the realm from the replica.
TEST_P(CredentialsRedisSentinelTest, MasterDownAndNoFailover_StartingTernd_ReadsTheReplica) {
  ASSERT_NO_FATAL_FAILURE(start_redis(false));
  ASSERT_EQ(redis_->first().call({"SADD", secret_key(), "secret-a"}), "1");
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (redis_->second().call({"SMEMBERS", secret_key()}) != "secret-a") {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the replica never got secret-a";
    std::this_thread::sleep_for(20ms);
  }
  redis_->first().kill();
  ASSERT_NO_FATAL_FAILURE(
      start({.ipv6_relay = false,
             .extra = {"--redis-userdb", connection_string(), "--use-auth-secret"}}));
  const TurnCredentials minted_a = rest_credentials("secret-a", unix_now() + 3600, "carol");
  const Polled p = poll_allocate(udp(), minted_a, is_success, kPropagation);
  EXPECT_TRUE(p.reached) << "secret-a never read from the replica; last outcome: "
                         << (p.last ? p.last->describe() : p.last.error()) << "\n"
                         << diagnostics();
  EXPECT_NE(ternd().log().find("replica"), std::string::npos) << ternd().log();
}

}  // namespace
}  // namespace tern::test
