// --stateless-nonce-secret: nodes of a fleet that share the secret accept each other's
// nonces, so a client whose 401 came from node A and whose retry lands on node B (ECMP,
// anycast, a restarted node) is served instead of sent round again with a 438.

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>
#include <thread>

#include "tests/support/redis_server.h"
#include "tests/support/stun_requests.h"
#include "tests/support/temp_dir.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;
using stun::Method;

class NonceSecretTest : public TurnTest {
 protected:
  // A second node beside ternd(): same user and realm, its own ports.
  void start_other(std::vector<std::string> extra) {
    std::vector<std::string> args{"--relay-ip",   "127.0.0.1", "--user",
                                  "alice:secret", "--realm",   kRealm};
    args.insert(args.end(), extra.begin(), extra.end());
    auto t = TerndProcess::start({std::move(args)});
    ASSERT_TRUE(t) << t.error();
    other_.emplace(std::move(*t));
  }
  TransportAddress other_server() const { return other_->address(Transport::Udp, IpVersion::V4); }

  // The challenge `server` hands a fresh client.
  std::optional<Challenge> challenge_from(const TransportAddress& server) {
    auto c = connected_client(Transport::Udp, server);
    if (!c) return std::nullopt;
    auto r = c->send_request(Method::Allocate, allocate_body({}), {.integrity = false});
    EXPECT_TRUE(IsError(r, 401));
    if (!IsError(r, 401)) return std::nullopt;
    return c->challenge();
  }

  // An authenticated Allocate to `server` with `challenge`'s nonce, with no retry.
  TurnResult allocate_with(const TransportAddress& server, const Challenge& challenge) {
    auto c = connected_client(Transport::Udp, server);
    if (!c) return unexpected(std::string("no client"));
    c->set_challenge(challenge);
    clients_.push_back(std::move(*c));  // the allocation lives as long as the test
    return clients_.back().send_request(Method::Allocate, allocate_body({}));
  }

  std::optional<TerndProcess> other_;
  std::vector<TurnClient> clients_;
};

TEST_F(NonceSecretTest, SameSecret_RetryOnAnotherNodeWithTheFirstNodesNonce_Succeeds) {
  ASSERT_NO_FATAL_FAILURE(start({.extra = {"--stateless-nonce-secret", "fleet-s3cret"}}));
  ASSERT_NO_FATAL_FAILURE(start_other({"--stateless-nonce-secret", "fleet-s3cret"}));
  const auto challenge = challenge_from(server(Transport::Udp, IpVersion::V4));
  ASSERT_TRUE(challenge);
  EXPECT_TRUE(IsSuccess(allocate_with(other_server(), *challenge)));
}

TEST_F(NonceSecretTest, DifferentSecrets_RetryOnAnotherNode_Is438) {
  ASSERT_NO_FATAL_FAILURE(start({.extra = {"--stateless-nonce-secret", "fleet-s3cret"}}));
  ASSERT_NO_FATAL_FAILURE(start_other({"--stateless-nonce-secret", "other-s3cret"}));
  const auto challenge = challenge_from(server(Transport::Udp, IpVersion::V4));
  ASSERT_TRUE(challenge);
  EXPECT_TRUE(IsError(allocate_with(other_server(), *challenge), 438));
}

// The secret on argv is visible to every local user: said once in the log.
TEST_F(NonceSecretTest, SecretOnTheCommandLine_IsWarnedAbout) {
  ASSERT_NO_FATAL_FAILURE(start({.extra = {"--stateless-nonce-secret", "fleet-s3cret"}}));
  EXPECT_NE(ternd().log().find("stateless-nonce-secret: secrets on the command line"),
            std::string::npos)
      << ternd().diagnostics();
  EXPECT_EQ(ternd().log().find("fleet-s3cret"), std::string::npos);
}

// Rotation without a restart: the file rewritten, SIGHUP. Nonces of the old secret stay
// good on the rotated node; its new nonces are those of the new secret.
TEST_F(NonceSecretTest, SecretFileChangedOnSighup_NewSecretSigns_OldNonceStillAccepted) {
  const TempDir dir;
  const auto file = dir / "nonce-secret";
  ASSERT_TRUE(write_file(file, "# the fleet's nonce key\nfirst-s3cret\n"));
  std::filesystem::permissions(
      file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  ASSERT_NO_FATAL_FAILURE(start({.extra = {"--stateless-nonce-secret-file", file.string()}}));
  ASSERT_NO_FATAL_FAILURE(start_other({"--stateless-nonce-secret", "second-s3cret"}));
  const auto a = server(Transport::Udp, IpVersion::V4);
  const auto old_challenge = challenge_from(a);
  ASSERT_TRUE(old_challenge);
  EXPECT_TRUE(IsError(allocate_with(other_server(), *old_challenge), 438));

  ASSERT_TRUE(write_file(file, "second-s3cret\n"));
  ASSERT_TRUE(ternd().send_signal(SIGHUP));
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (ternd().log().find("stateless-nonce-secret-file: new secret") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_NE(ternd().log().find("stateless-nonce-secret-file: new secret"), std::string::npos)
      << ternd().diagnostics();

  const auto new_challenge = challenge_from(a);
  ASSERT_TRUE(new_challenge);
  EXPECT_TRUE(IsSuccess(allocate_with(other_server(), *new_challenge)));
  EXPECT_TRUE(IsSuccess(allocate_with(a, *old_challenge)));
}

// Without config: nodes sharing a Redis user store take the secret from it.
TEST_F(NonceSecretTest, SecretInTheRedisUserdb_IsSharedByEveryNode) {
  std::string error;
  auto redis = RedisServer::start({}, error);
  ASSERT_TRUE(redis) << error;
  ASSERT_NO_FATAL_FAILURE(start({.extra = {"--redis-userdb", redis->connection_string()}}));
  ASSERT_NO_FATAL_FAILURE(start_other({"--redis-userdb", redis->connection_string()}));
  const auto a = server(Transport::Udp, IpVersion::V4);
  // Before the key exists each node has its own key.
  const auto own = challenge_from(a);
  ASSERT_TRUE(own);
  EXPECT_TRUE(IsError(allocate_with(other_server(), *own), 438));

  ASSERT_TRUE(redis->cli_ok({"SET", "tern/nonce-secret", "from-redis"}));
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  const std::string said = "nonce secret from redis-userdb";
  while ((ternd().log().find(said) == std::string::npos ||
          other_->log().find(said) == std::string::npos) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_NE(ternd().log().find(said), std::string::npos) << ternd().diagnostics();
  ASSERT_NE(other_->log().find(said), std::string::npos) << other_->diagnostics();
  const auto shared = challenge_from(a);
  ASSERT_TRUE(shared);
  EXPECT_TRUE(IsSuccess(allocate_with(other_server(), *shared)));
}

TEST_F(NonceSecretTest, EmptySecretFile_RefusesToStart) {
  const TempDir dir;
  const auto file = dir / "nonce-secret";
  ASSERT_TRUE(write_file(file, "# nothing yet\n"));
  auto t = TerndProcess::start({{"--user", "alice:secret", "--realm", kRealm,
                                 "--stateless-nonce-secret-file", file.string()}});
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().find("holds no secret"), std::string::npos) << t.error();
}

}  // namespace
}  // namespace tern::test
