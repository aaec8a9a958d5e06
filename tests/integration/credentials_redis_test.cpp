// The Redis store (--redis-userdb) on coturn's key schema, written with redis-cli as an
// operator or a coturn deployment would: users and REST secrets reach ternd within about a
// second, deletions too, and losing Redis degrades to serving from the cached credentials
// (allocations keep relaying, Bindings are answered) until it comes back.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "protocol/message.h"
#include "protocol/stun_constants.h"
#include "tests/support/credential_probes.h"
#include "tests/support/redis_server.h"
#include "tests/support/rest_mint.h"
#include "tests/support/stun_requests.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// About a second on a quiet machine (each wait prints how long it took); the bound is
// slack for a loaded CI machine, where redis-cli, redis-server and ternd wait for a core.
constexpr auto kPropagation = 10s;
// Backoff after a lost Redis: 1 s, doubling, up to 30 s between attempts.
constexpr auto kReconnectWindow = 35s;

std::string realm_key(const std::string& rest) {
  return "turn/realm/" + std::string(kRealm) + "/" + rest;
}

std::string hex(const Bytes& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xF]);
  }
  return out;
}

double millis_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

class CredentialsRedisBase : public TurnTest {
 protected:
  void start_redis(const std::string& notify) {
    std::string error;
    redis_ = RedisServer::start({.notify_keyspace_events = notify, .password = ""}, error);
    ASSERT_TRUE(redis_) << error;
  }

  void start_ternd(const std::vector<std::string>& more = {}) {
    std::vector<std::string> extra{"--redis-userdb", redis_->connection_string() + " dbname=0"};
    extra.insert(extra.end(), more.begin(), more.end());
    ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false, .extra = extra}));
  }

  // redis-cli, as an operator types it; fails the test on a non-zero exit.
  void cli(const std::vector<std::string>& args) { ASSERT_TRUE(redis_->cli_ok(args)); }

  Polled expect_within(const TurnCredentials& credentials,
                       const std::function<bool(const TurnResult&)>& wanted, const char* what,
                       std::chrono::milliseconds bound) {
    Polled p = poll_allocate(udp(), credentials, wanted, bound);
    std::cout << "[ redis  ] " << what << " after " << p.elapsed.count() << " ms\n";
    EXPECT_TRUE(p.reached) << what << " not seen within " << bound.count() << " ms; last outcome: "
                           << (p.last ? p.last->describe() : p.last.error()) << "\n"
                           << ternd().diagnostics() << "\nredis log (tail):\n"
                           << tail(redis_->log(), 10);
    return p;
  }

  TransportAddress udp() const { return server(Transport::Udp, IpVersion::V4); }

  std::unique_ptr<RedisServer> redis_;
};

// Keyspace notifications on ("KEA") and off (Redis' default, ternd polls every second).
class CredentialsRedisUserTest : public CredentialsRedisBase,
                                 public ::testing::WithParamInterface<std::string> {};

TEST_P(CredentialsRedisUserTest, UserSetWithRedisCli_Allocates_AndDelIs401) {
  ASSERT_NO_FATAL_FAILURE(start_redis(GetParam()));
  ASSERT_NO_FATAL_FAILURE(start_ternd());
  const TurnCredentials dave{.username = "dave", .password = "daves-password"};
  ASSERT_TRUE(IsError(allocate_once(udp(), dave), 401)) << "dave works before he was written";

  // coturn's schema: the hex MD5 long-term key, never the password.
  const std::string key = realm_key("user/dave/key");
  ASSERT_NO_FATAL_FAILURE(
      cli({"SET", key, hex(long_term_key(dave.username, kRealm, dave.password, false))}));
  expect_within(dave, is_success, "dave allocates", kPropagation);
  EXPECT_TRUE(IsError(allocate_once(udp(), {.username = "dave", .password = "wrong"}), 401));

  ASSERT_NO_FATAL_FAILURE(cli({"DEL", key}));
  expect_within(dave, is_401, "dave refused", kPropagation);
}

INSTANTIATE_TEST_SUITE_P(Notifications, CredentialsRedisUserTest, ::testing::Values("KEA", ""),
                         [](const auto& info) {
                           return info.param.empty() ? std::string("Polling")
                                                     : std::string("Keyspace");
                         });

class CredentialsRedisOutageTest : public CredentialsRedisBase {
 protected:
  // One Binding over a fresh UDP socket; fails the test unless a success with the same
  // transaction id comes back. Prints the round trip.
  void binding_answered(int index) {
    auto client = StunClient::connect(Transport::Udp, udp());
    ASSERT_TRUE(client) << client.error();
    const auto request = binding_request();
    const auto sent = Clock::now();
    auto response = client->exchange(request, 2000ms);
    const double ms = millis_since(sent);
    ASSERT_TRUE(response) << "Binding #" << index
                          << " during the Redis outage: " << to_string(response.error()) << "\n"
                          << ternd().diagnostics();
    auto view = stun::MessageView::parse(*response);
    ASSERT_TRUE(view) << describe(*response);
    EXPECT_EQ(view->message_class(), stun::Class::SuccessResponse) << describe(*response);
    EXPECT_EQ(transaction_id_of(*response), transaction_id_of(request));
    std::cout << "[ outage ] Binding #" << index << ": " << std::fixed << std::setprecision(2) << ms
              << " ms\n";
  }
};

TEST_F(CredentialsRedisOutageTest,
       RedisDown_ServesFromCache_AndAfterRestartANewSecretAllocatesWithinTheReconnectWindow) {
  ASSERT_NO_FATAL_FAILURE(start_redis("KEA"));
  ASSERT_NO_FATAL_FAILURE(cli({"SADD", realm_key("secret"), "redis-s1"}));
  ASSERT_NO_FATAL_FAILURE(start_ternd({"--use-auth-secret"}));
  const int64_t expiry = unix_now() + 3600;
  const TurnCredentials s1 = rest_credentials("redis-s1", expiry, "alice");
  const TurnCredentials s2 = rest_credentials("redis-s2", expiry, "alice");
  // The first snapshot is read after ternd answers, so allow it the same bound.
  expect_within(s1, is_success, "S1 from Redis allocates", kPropagation);

  auto a = allocated(Transport::Udp, IpVersion::V4, {}, s1);
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(a && p);
  ASSERT_TRUE(IsSuccess(a->create_permission({p->address()})));
  ASSERT_TRUE(RelaysBothWays(*a, *p, "before the outage"));

  ASSERT_TRUE(redis_->stop()) << redis_->log();
  const auto outage = Clock::now();
  // Long enough for ternd to notice the loss and fail a reconnect attempt or two (1 s,
  // then 2 s later), short enough that the next attempt comes soon after the restart.
  int bindings = 0;
  for (int round = 0; Clock::now() - outage < 3500ms; ++round) {
    ASSERT_NO_FATAL_FAILURE(binding_answered(++bindings));
    switch (round % 3) {
      case 0:
        EXPECT_TRUE(RelaysBothWays(*a, *p, "during the outage")) << "round " << round;
        break;
      case 1:
        // Refresh is authenticated: the cached S1 still verifies it.
        EXPECT_TRUE(IsSuccess(a->refresh(600))) << "round " << round;
        break;
      default:
        EXPECT_TRUE(IsSuccess(allocate_once(udp(), s1)))
            << "a new allocation with the cached secret, round " << round;
        break;
    }
    ASSERT_NO_FATAL_FAILURE(binding_answered(++bindings));
    std::this_thread::sleep_for(100ms);
  }
  std::cout << "[ outage ] " << bindings << " Bindings answered in " << millis_since(outage)
            << " ms without Redis\n";

  ASSERT_TRUE(redis_->restart()) << redis_->log();
  // Written while ternd is still waiting out its backoff: the reconnect's first snapshot
  // must carry it.
  ASSERT_NO_FATAL_FAILURE(cli({"SADD", realm_key("secret"), "redis-s2"}));
  const auto back = Clock::now();
  expect_within(s2, is_success, "S2 added after the restart allocates", kReconnectWindow);
  std::cout << "[ outage ] S2 usable " << millis_since(back) << " ms after the restart, "
            << millis_since(outage) << " ms after the loss\n";
  EXPECT_TRUE(IsSuccess(allocate_once(udp(), s1))) << "S1 survived the restart in Redis";
  EXPECT_TRUE(RelaysBothWays(*a, *p, "after the outage"));
  EXPECT_TRUE(IsSuccess(a->refresh(600)));

  // What ternd told the operator, for whoever reads the test's output.
  std::istringstream log(ternd().log());
  for (std::string line; std::getline(log, line);) {
    if (line.find("redis") != std::string::npos) std::cout << "[ ternd  ] " << line << "\n";
  }
}

}  // namespace
}  // namespace tern::test
