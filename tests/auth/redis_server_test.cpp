// The test Redis itself (tests/support/redis_server.h): the Redis store tests stand on it.
#include "tests/support/redis_server.h"

#include <gtest/gtest.h>

namespace tern::test {
namespace {

TEST(RedisServer, Start_AnswersRedisCliOnItsPort) {
  std::string error;
  auto redis = RedisServer::start({}, error);
  ASSERT_NE(redis, nullptr) << error;
  EXPECT_NE(redis->port(), 0);
  EXPECT_EQ(redis->cli_out({"PING"}), "PONG");
  EXPECT_EQ(redis->connection_string(), "ip=127.0.0.1 port=" + std::to_string(redis->port()));
}

TEST(RedisServer, Call_AnswersAsRedisCliPrints) {
  std::string error;
  auto redis = RedisServer::start({.notify_keyspace_events = "", .password = "pw"}, error);
  ASSERT_NE(redis, nullptr) << error;
  EXPECT_EQ(redis->call({"SADD", "k", "a b", "c\r\nd"}), "2");
  EXPECT_EQ(redis->call({"SMEMBERS", "k"}), redis->cli_out({"SMEMBERS", "k"}));
  EXPECT_EQ(redis->call({"GET", "missing"}), "");
  EXPECT_EQ(redis->call({"SET", "s", "v"}), "OK");
  EXPECT_EQ(redis->call({"GET", "s"}), "v");
  EXPECT_EQ(redis->call({"SCAN", "0", "MATCH", "s"}), "0\ns");
}

TEST(RedisServer, Restart_KeepsPortAndData) {
  std::string error;
  auto redis = RedisServer::start({}, error);
  ASSERT_NE(redis, nullptr) << error;
  const uint16_t port = redis->port();
  ASSERT_EQ(redis->call({"SADD", "turn/realm/r/secret", "s1"}), "1");
  ASSERT_TRUE(redis->stop());
  EXPECT_FALSE(redis->running());
  EXPECT_EQ(redis->call({"PING"}), "ERROR: cannot connect");
  ASSERT_TRUE(redis->restart()) << redis->log();
  EXPECT_EQ(redis->port(), port);
  EXPECT_EQ(redis->call({"SMEMBERS", "turn/realm/r/secret"}), "s1");
}

TEST(RedisServer, Options_SetNotificationsAndPassword) {
  std::string error;
  auto redis = RedisServer::start({.notify_keyspace_events = "KEA", .password = "pw"}, error);
  ASSERT_NE(redis, nullptr) << error;
  EXPECT_EQ(redis->call({"CONFIG", "GET", "notify-keyspace-events"}),
            "notify-keyspace-events\nAKE");
  EXPECT_EQ(redis->connection_string(),
            "ip=127.0.0.1 port=" + std::to_string(redis->port()) + " password=pw");
}

}  // namespace
}  // namespace tern::test
