// RedisSubscriber (base/redis/redis_subscriber.h) against a real redis-server: messages on
// its channels, polls on its interval, and both again after the server came back. (The
// Sentinel failover is tested end to end in tests/integration/fleet_sentinel_test.cpp.)

#include "base/redis/redis_subscriber.h"

#include <event2/event.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "base/libevent.h"
#include "base/log.h"
#include "tests/base/run_until.h"
#include "tests/support/redis_server.h"

namespace tern {
namespace {

using namespace std::chrono_literals;

using test::run_until;

class RedisSubscriberTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    redis_ = test::RedisServer::start({}, error);
    ASSERT_TRUE(redis_) << error;
    auto log = Logger::open("stderr", LogLevel::Warning);
    ASSERT_TRUE(log) << log.error();
    log_ = std::move(*log);
  }
  RedisSubscriber::Settings fast(std::vector<std::string> channels = {}) const {
    RedisSubscriber::Settings s;
    s.what = "test";
    s.channels = std::move(channels);
    s.poll_interval = 100ms;
    s.first_retry = 100ms;
    s.max_retry = 200ms;
    return s;
  }

  EventBasePtr base_{event_base_new()};
  std::unique_ptr<test::RedisServer> redis_;
  std::unique_ptr<Logger> log_;
};

TEST_F(RedisSubscriberTest, Subscribed_GetsEachChannelsMessages_AgainAfterARestart) {
  std::vector<std::string> got;
  int ready = 0;
  RedisSubscriber::Handlers h;
  h.message = [&](std::string_view channel, std::string_view payload) {
    got.push_back(std::string(channel) + "=" + std::string(payload));
  };
  h.ready = [&] { ++ready; };
  auto sub = RedisSubscriber::create(base_.get(), redis_->connection_string(), fast({"a", "b"}),
                                     std::move(h), *log_);
  ASSERT_TRUE(sub) << sub.error();
  (*sub)->start();
  ASSERT_TRUE(run_until(
      base_.get(), [&] { return ready == 1; }, 10s));
  EXPECT_EQ(redis_->call({"PUBLISH", "a", "1"}), "1");
  EXPECT_EQ(redis_->call({"PUBLISH", "b", "2"}), "1");
  EXPECT_EQ(redis_->call({"PUBLISH", "c", "3"}), "0");
  ASSERT_TRUE(run_until(
      base_.get(), [&] { return got.size() == 2; }, 10s));
  EXPECT_EQ(got, (std::vector<std::string>{"a=1", "b=2"}));

  ASSERT_TRUE(redis_->stop());
  ASSERT_TRUE(redis_->restart());
  ASSERT_TRUE(run_until(
      base_.get(), [&] { return ready == 2; }, 10s))
      << "not subscribed again";
  EXPECT_EQ(redis_->call({"PUBLISH", "a", "again"}), "1");
  ASSERT_TRUE(run_until(
      base_.get(), [&] { return got.size() == 3; }, 10s));
  EXPECT_EQ(got.back(), "a=again");
}

TEST_F(RedisSubscriberTest, Polling_AsksOnConnectAndEveryInterval_AgainAfterARestart) {
  std::vector<std::string> values;
  RedisSubscriber::Handlers h;
  h.poll = [&](RedisAsync& redis) {
    redis.command({"GET", "k"}, [&](const redisReply* r) {
      if (r != nullptr && r->type == REDIS_REPLY_STRING) values.emplace_back(r->str, r->len);
    });
  };
  ASSERT_TRUE(redis_->cli_ok({"SET", "k", "one"}));
  auto sub = RedisSubscriber::create(base_.get(), redis_->connection_string(), fast(), std::move(h),
                                     *log_);
  ASSERT_TRUE(sub) << sub.error();
  (*sub)->start();
  ASSERT_TRUE(run_until(
      base_.get(), [&] { return values.size() >= 2; }, 10s));
  EXPECT_EQ(values.front(), "one");

  ASSERT_TRUE(redis_->stop());
  ASSERT_TRUE(redis_->restart());
  ASSERT_TRUE(redis_->cli_ok({"SET", "k", "two"}));
  ASSERT_TRUE(run_until(
      base_.get(), [&] { return values.back() == "two"; }, 10s));
}

TEST_F(RedisSubscriberTest, BadConnectionString_IsAnError) {
  auto sub = RedisSubscriber::create(base_.get(), "port=notanumber", fast(), {}, *log_);
  EXPECT_FALSE(sub);
}

}  // namespace
}  // namespace tern
