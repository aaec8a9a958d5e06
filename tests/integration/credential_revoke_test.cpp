// `ternctl credential revoke`: a REST credential revoked before it expires is refused (401)
// on every node reading the store, and its live allocations end; other users go on.
// A fleet of two ternd sharing one real redis-server, and one node on a sqlite store.

#include <gtest/gtest.h>

#include <string>

#include "tests/support/eventually.h"
#include "tests/support/free_ports.h"
#include "tests/support/http_probe.h"
#include "tests/support/redis_server.h"
#include "tests/support/rest_mint.h"
#include "tests/support/sqlite_store_fixture.h"
#include "tests/support/temp_dir.h"
#include "tests/support/ternctl.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

constexpr char kSecret[] = "fleet-rest-secret";

// Allocations of `user` the log says were ended by a kill.
size_t killed(const std::string& log, std::string_view user) {
  size_t n = 0;
  size_t at = 0;
  while ((at = log.find("allocation deleted ", at)) != std::string::npos) {
    const size_t end = log.find('\n', at);
    const std::string_view line = std::string_view(log).substr(at, end - at);
    if (line.find(user) != std::string_view::npos &&
        line.find(" reason=killed ") != std::string_view::npos) {
      ++n;
    }
    at = end;
  }
  return n;
}

class CredentialRevokeTest : public TurnTest {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(ternctl_path())) GTEST_SKIP() << "ternctl is not built";
  }
  CommandResult ternctl(const std::vector<std::string>& args) {
    return run_ternctl(args, dir_.path());
  }
  TempDir dir_;
};

TEST_F(CredentialRevokeTest, RevokedInRedis_EveryNodeEndsItsAllocationsAndRefusesIt) {
  std::string error;
  auto redis = RedisServer::start({}, error);
  ASSERT_TRUE(redis) << error;
  const std::string conn = redis->connection_string();
  const std::vector<std::string> rest = {"--use-auth-secret", "--static-auth-secret", kSecret,
                                         "--redis-userdb", conn};
  ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false, .extra = rest}));
  std::vector<std::string> b_args{"--relay-ip", "127.0.0.1", "--realm", kRealm};
  b_args.insert(b_args.end(), rest.begin(), rest.end());
  auto b = TerndProcess::start({b_args});
  ASSERT_TRUE(b) << b.error();
  const std::string listening = "listening for credential revocations";
  ASSERT_TRUE(eventually([&] {
    return ternd().log().find(listening) != std::string::npos &&
           b->log().find(listening) != std::string::npos;
  })) << ternd().diagnostics()
      << b->diagnostics();

  const auto mallory = rest_credentials(kSecret, unix_now() + 3600, "mallory");
  const auto carol = rest_credentials(kSecret, unix_now() + 3600, "carol");
  const auto on_b = b->address(Transport::Udp, IpVersion::V4);
  auto a1 = allocated(Transport::Udp, IpVersion::V4, {}, mallory);
  auto b1 = allocated_client(Transport::Udp, on_b, {}, mallory);
  auto other = allocated_client(Transport::Udp, on_b, {}, carol);
  ASSERT_TRUE(a1 && b1 && other);

  const auto run = ternctl(
      {"credential", "revoke", mallory.username, "--redis-userdb", conn, "--realm", kRealm});
  ASSERT_TRUE(run.status.clean()) << run.status.describe() << "\n" << run.err;
  EXPECT_NE(run.out.find("2 nodes"), std::string::npos) << run.out;

  EXPECT_TRUE(eventually([&] {
    return killed(ternd().log(), "mallory") == 1 && killed(b->log(), "mallory") == 1;
  })) << ternd().diagnostics()
      << b->diagnostics();
  EXPECT_TRUE(IsError(a1->refresh(600), 401));
  EXPECT_TRUE(IsError(b1->refresh(600), 401));
  auto again = connected_client(Transport::Udp, on_b, mallory);
  ASSERT_TRUE(again);
  EXPECT_TRUE(IsError(again->allocate(), 401));
  EXPECT_TRUE(IsSuccess(other->refresh(600)));
  EXPECT_EQ(killed(b->log(), "carol"), 0u);

  // The revocation lapses with the credential: the set expires with its last member.
  const std::string ttl = redis->call({"TTL", "turn/realm/tern.test/revoked"});
  EXPECT_GT(std::stoll(ttl), 3000) << ttl;
  const auto list =
      ternctl({"credential", "list-revoked", "--redis-userdb", conn, "--realm", kRealm, "--json"});
  ASSERT_TRUE(list.status.clean()) << list.err;
  EXPECT_NE(list.out.find(mallory.username), std::string::npos) << list.out;
}

TEST_F(CredentialRevokeTest, WholeUserIdRevoked_EndsEveryCredentialOfIt) {
  std::string error;
  auto redis = RedisServer::start({}, error);
  ASSERT_TRUE(redis) << error;
  const std::string conn = redis->connection_string();
  ASSERT_NO_FATAL_FAILURE(start(
      {.ipv6_relay = false,
       .extra = {"--use-auth-secret", "--static-auth-secret", kSecret, "--redis-userdb", conn}}));
  const auto one = rest_credentials(kSecret, unix_now() + 3600, "mallory");
  const auto two = rest_credentials(kSecret, unix_now() + 7200, "mallory");
  auto c1 = allocated(Transport::Udp, IpVersion::V4, {}, one);
  auto c2 = allocated(Transport::Udp, IpVersion::V4, {}, two);
  ASSERT_TRUE(c1 && c2);
  const auto run = ternctl({"credential", "revoke", "mallory", "--redis-userdb", conn, "--realm",
                            kRealm, "--ttl", "600"});
  ASSERT_TRUE(run.status.clean()) << run.status.describe() << "\n" << run.err;
  EXPECT_TRUE(eventually([&] { return killed(ternd().log(), "mallory") == 2; }))
      << ternd().diagnostics();
  auto fresh = connected_client(Transport::Udp, server(Transport::Udp, IpVersion::V4),
                                rest_credentials(kSecret, unix_now() + 60, "mallory"));
  ASSERT_TRUE(fresh);
  EXPECT_TRUE(IsError(fresh->allocate(), 401));
}

// A node that missed the message (or a revocation written by another tool) still finds it
// at the store's next reload: the poll is the fallback.
TEST_F(CredentialRevokeTest, RevokedInRedisWithoutAMessage_TheStoresReloadFindsIt) {
  std::string error;
  auto redis = RedisServer::start({}, error);
  ASSERT_TRUE(redis) << error;
  ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false,
                                 .extra = {"--use-auth-secret", "--static-auth-secret", kSecret,
                                           "--redis-userdb", redis->connection_string()}}));
  const int64_t expiry = unix_now() + 3600;
  const auto mallory = rest_credentials(kSecret, expiry, "mallory");
  auto c = allocated(Transport::Udp, IpVersion::V4, {}, mallory);
  ASSERT_TRUE(c);
  ASSERT_TRUE(redis->cli_ok(
      {"ZADD", "turn/realm/tern.test/revoked", std::to_string(expiry), mallory.username}));
  EXPECT_TRUE(eventually([&] { return killed(ternd().log(), "mallory") == 1; }))
      << ternd().diagnostics();
  EXPECT_TRUE(IsError(c->refresh(600), 401));
}

TEST_F(CredentialRevokeTest, BadInput_ClearErrorAndExitCode2) {
  const auto no_store = ternctl({"credential", "revoke", "1700000000:alice"});
  EXPECT_EQ(no_store.status.code, 2) << no_store.status.describe();
  EXPECT_NE(no_store.err.find("--redis-userdb"), std::string::npos) << no_store.err;
  const auto bad = ternctl({"credential", "revoke", "alice:bob", "--redis-userdb",
                            "ip=127.0.0.1 port=1", "--realm", kRealm});
  EXPECT_EQ(bad.status.code, 2) << bad.status.describe();
  EXPECT_NE(bad.err.find("not a REST username"), std::string::npos) << bad.err;
  const auto empty = ternctl({"credential", "revoke", "", "--userdb", "/nonexistent.db"});
  EXPECT_EQ(empty.status.code, 2) << empty.status.describe();
  const auto missing = ternctl({"credential", "revoke", "--userdb", "/nonexistent.db"});
  EXPECT_EQ(missing.status.code, 2) << missing.status.describe();
}

class CredentialRevokeSqliteTest : public TurnSqliteStoreTest {};

TEST_F(CredentialRevokeSqliteTest, RevokedInTheUserdb_TheNodeEndsItsAllocationsAndRefusesIt) {
  ASSERT_NO_FATAL_FAILURE(start_ternd({"--use-auth-secret", "--static-auth-secret", kSecret}));
  const auto mallory = rest_credentials(kSecret, unix_now() + 3600, "mallory");
  const auto carol = rest_credentials(kSecret, unix_now() + 3600, "carol");
  auto c = allocated_client(Transport::Udp, udp(), {}, mallory);
  auto other = allocated_client(Transport::Udp, udp(), {}, carol);
  ASSERT_TRUE(c && other);
  ASSERT_NO_FATAL_FAILURE(ternctl({"credential", "revoke", mallory.username}));
  EXPECT_TRUE(eventually([&] { return killed(ternd().log(), "mallory") == 1; }))
      << ternd().diagnostics();
  EXPECT_TRUE(IsError(c->refresh(600), 401));
  auto again = connected_client(Transport::Udp, udp(), mallory);
  ASSERT_TRUE(again);
  EXPECT_TRUE(IsError(again->allocate(), 401));
  EXPECT_TRUE(IsSuccess(other->refresh(600)));
}

// A revoked credential is its own reason (#12), not an expired one: the operator reading
// the log or the dashboard must tell a revocation at work from clocks out of step.
TEST_F(CredentialRevokeSqliteTest, RevokedLogin_LoggedAndCountedAsRevoked) {
  const uint16_t metrics = free_tcp_port();
  ASSERT_NO_FATAL_FAILURE(
      start_ternd({"--use-auth-secret", "--static-auth-secret", kSecret, "--prometheus-listen",
                   "127.0.0.1:" + std::to_string(metrics)}));
  const auto mallory = rest_credentials(kSecret, unix_now() + 3600, "mallory");
  ASSERT_NO_FATAL_FAILURE(ternctl({"credential", "revoke", mallory.username}));
  // The store is read again within a second or so; until then the login still works.
  ASSERT_TRUE(eventually([&] {
    auto c = connected_client(Transport::Udp, udp(), mallory);
    return c && IsError(c->allocate(), 401);
  })) << ternd().diagnostics();
  EXPECT_TRUE(eventually([&] {
    return ternd().log().find("user=\"" + mallory.username) != std::string::npos &&
           ternd().log().find("reason=\"revoked\"") != std::string::npos;
  })) << ternd().diagnostics();
  EXPECT_EQ(ternd().log().find("expired REST credential"), std::string::npos) << ternd().log();
  auto r = http("GET", "/metrics", std::nullopt, metrics);
  ASSERT_TRUE(r && r->status == 200);
  EXPECT_NE(r->body.find("tern_auth_failures_total{reason=\"revoked\"} 1\n"), std::string::npos)
      << r->body;
  EXPECT_NE(r->body.find("tern_auth_failures_total{reason=\"expired_credential\"} 0\n"),
            std::string::npos)
      << r->body;
}

}  // namespace
}  // namespace tern::test
