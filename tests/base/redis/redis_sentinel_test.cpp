// RedisSentinel (base/redis/redis_sentinel.h): the +switch-master parser, and the client
// against three real redis-sentinels watching a master and its replica.

#include "base/redis/redis_sentinel.h"

#include <event2/event.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <optional>
#include <string>

#include "base/file_descriptor.h"
#include "base/libevent.h"
#include "base/redis/redis_sentinel_lookup.h"
#include "tests/base/run_until.h"
#include "tests/support/free_ports.h"
#include "tests/support/redis_sentinels.h"

namespace tern {
namespace {

using namespace std::chrono_literals;

TEST(ParseSwitchMaster, OurMaster_GivesTheNewAddress) {
  const auto m = parse_switch_master("mymaster 127.0.0.1 6379 127.0.0.1 6380", "mymaster");
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, (RedisHostPort{"127.0.0.1", 6380}));
  EXPECT_EQ(parse_switch_master("m ::1 1 ::1 2", "m"), (RedisHostPort{"::1", 2}));
}

TEST(ParseSwitchMaster, OtherMasterOrMalformed_IsNothing) {
  EXPECT_FALSE(parse_switch_master("other 127.0.0.1 6379 127.0.0.1 6380", "mymaster"));
  for (const char* bad :
       {"", "mymaster", "mymaster 127.0.0.1 6379 127.0.0.1", "mymaster 127.0.0.1 6379 127.0.0.1 0",
        "mymaster a b c 70000", "mymaster 127.0.0.1 6379 127.0.0.1 6380 extra"}) {
    EXPECT_FALSE(parse_switch_master(bad, "mymaster")) << bad;
  }
}

using test::run_until;

class RedisSentinelTest : public ::testing::Test {
 protected:
  void start_set(bool failover_ready) {
    std::string error;
    set_ = test::RedisSentinels::start(error, failover_ready);
    ASSERT_TRUE(set_) << error;
  }

  RedisSentinel::Settings settings(std::vector<RedisHostPort> sentinels) const {
    return {std::move(sentinels), test::RedisSentinels::kMaster, "", 2000ms, 200ms};
  }
  std::vector<RedisHostPort> live_sentinels() const {
    std::vector<RedisHostPort> out;
    for (uint16_t port : set_->sentinel_ports()) out.push_back({"127.0.0.1", port});
    return out;
  }

  std::optional<Result<RedisHostPort, std::string>> locate(RedisSentinel& sentinel) {
    std::optional<Result<RedisHostPort, std::string>> found;
    sentinel.locate([&](Result<RedisHostPort, std::string> r) { found = std::move(r); });
    run_until(
        base_.get(), [&] { return found.has_value(); }, 20s);
    return found;
  }

  EventBasePtr base_{event_base_new()};
  std::unique_ptr<test::RedisSentinels> set_;
};

TEST_F(RedisSentinelTest, Locate_SkipsADeadSentinel_AndNamesTheMaster_AndAReplica) {
  ASSERT_NO_FATAL_FAILURE(start_set(false));
  auto sentinels = live_sentinels();
  sentinels.insert(sentinels.begin(), {"127.0.0.1", test::free_tcp_port()});  // nobody there
  RedisSentinel sentinel(base_.get(), settings(sentinels));
  const auto found = locate(sentinel);
  ASSERT_TRUE(found);
  ASSERT_TRUE(*found) << found->error();
  EXPECT_EQ(**found, (RedisHostPort{"127.0.0.1", set_->first().port()}));

  std::optional<Result<RedisHostPort, std::string>> replica;
  sentinel.locate_replica([&](Result<RedisHostPort, std::string> r) { replica = std::move(r); });
  ASSERT_TRUE(run_until(
      base_.get(), [&] { return replica.has_value(); }, 20s));
  ASSERT_TRUE(*replica) << replica->error();
  EXPECT_EQ(**replica, (RedisHostPort{"127.0.0.1", set_->second().port()}));
}

TEST_F(RedisSentinelTest, Locate_NoSentinelKnowsTheMaster_IsAnErrorNamingEach) {
  ASSERT_NO_FATAL_FAILURE(start_set(false));
  auto s = settings(live_sentinels());
  s.master = "no-such-master";
  s.sentinels.push_back({"127.0.0.1", test::free_tcp_port()});
  RedisSentinel sentinel(base_.get(), s);
  const auto found = locate(sentinel);
  ASSERT_TRUE(found);
  ASSERT_FALSE(*found);
  EXPECT_NE(found->error().find("does not know that master"), std::string::npos) << found->error();
  EXPECT_NE(found->error().find(s.sentinels.back().address()), std::string::npos) << found->error();
}

TEST_F(RedisSentinelTest, BlockingLookup_SkipsADeadSentinel_OrNamesEachError) {
  ASSERT_NO_FATAL_FAILURE(start_set(false));
  RedisConnectionConfig config;
  config.sentinels = live_sentinels();
  config.sentinels.insert(config.sentinels.begin(), {"127.0.0.1", test::free_tcp_port()});
  config.master = test::RedisSentinels::kMaster;
  const auto master = lookup_sentinel_master(config);
  ASSERT_TRUE(master) << master.error();
  EXPECT_EQ(*master, (RedisHostPort{"127.0.0.1", set_->first().port()}));

  config.master = "no-such-master";
  const auto none = lookup_sentinel_master(config);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().find("no sentinel named master no-such-master"), std::string::npos)
      << none.error();
  EXPECT_NE(none.error().find("does not know that master"), std::string::npos) << none.error();
  EXPECT_NE(none.error().find(config.sentinels.front().address()), std::string::npos)
      << none.error();
}

// A listening socket on 127.0.0.1 that never accepts: the kernel completes the handshake,
// nothing ever answers (a hung sentinel).
struct SilentListener {
  SilentListener() : fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), len), 0);
    EXPECT_EQ(::listen(fd.get(), 4), 0);
    EXPECT_EQ(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&sa), &len), 0);
    port = ntohs(sa.sin_port);
  }
  FileDescriptor fd;
  uint16_t port = 0;
};

TEST_F(RedisSentinelTest, Watch_HungSentinelSkipped_MasterKilled_ReportsThePromotedReplica) {
  ASSERT_NO_FATAL_FAILURE(start_set(true));
  SilentListener hung;
  auto sentinels = live_sentinels();
  sentinels.insert(sentinels.begin(), {"127.0.0.1", hung.port});
  std::vector<std::string> notes;
  auto s = settings(sentinels);
  s.timeout = 1000ms;
  RedisSentinel sentinel(base_.get(), s, [&](const std::string& line) { notes.push_back(line); });
  std::optional<RedisHostPort> moved;
  sentinel.watch([&](const RedisHostPort& master) { moved = master; });
  ASSERT_TRUE(locate(sentinel).has_value());
  // The hung sentinel is given up, and the next one's subscription is confirmed before
  // the master goes, so the switch itself is seen.
  ASSERT_TRUE(run_until(
      base_.get(), [&] { return !notes.empty(); }, 20s));
  EXPECT_NE(notes.front().find(sentinels.front().address() + " not watched (no answer"),
            std::string::npos)
      << notes.front();
  run_until(
      base_.get(), [] { return false; }, 1s);
  set_->first().kill();
  ASSERT_TRUE(run_until(
      base_.get(), [&] { return moved.has_value(); }, 30s))
      << "no +switch-master seen\n"
      << test::tail(set_->log(), 30);
  EXPECT_EQ(*moved, (RedisHostPort{"127.0.0.1", set_->second().port()}));
}

}  // namespace
}  // namespace tern
