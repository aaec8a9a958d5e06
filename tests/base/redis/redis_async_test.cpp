// RedisAsync against a fake server on loopback that says what a real Redis never would.

#include "base/redis/redis_async.h"

#include <event2/event.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/file_descriptor.h"
#include "base/libevent.h"

namespace tern {
namespace {

// A listening socket on 127.0.0.1 and a port the kernel picks.
struct FakeRedis {
  FakeRedis() : listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    EXPECT_EQ(::listen(listener.get(), 4), 0);
    socklen_t len = sizeof sa;
    ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&sa), &len);
    port = ntohs(sa.sin_port);
  }
  FileDescriptor listener;
  uint16_t port = 0;
};

// Runs `base` until `done` or a generous deadline.
template <typename Done>
void run_until(event_base* base, Done done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    event_base_loop(base, EVLOOP_NONBLOCK);
    ::usleep(1000);
  }
}

// A RedisAsync connected to the fake server, and the server's side of that connection.
class RedisAsyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = RedisAsync::connect(base_.get(), "127.0.0.1", fake_.port, {},
                                    {.ready = [this] { ready_ = true; },
                                     .failed = [this](const std::string& why) { failed_ = why; },
                                     .message = {}});
    ASSERT_TRUE(made.ok()) << made.error();
    connection_ = std::move(*made);
    run_until(base_.get(), [this] { return ready_ || failed_; });
    server_ = FileDescriptor(::accept4(fake_.listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    ASSERT_TRUE(server_.valid());
  }

  // What the server says, then the loop runs until the connection has failed.
  void server_says(std::string_view bytes) {
    ASSERT_EQ(::send(server_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
    run_until(base_.get(), [this] { return failed_.has_value(); });
  }

  FakeRedis fake_;
  const EventBasePtr base_{event_base_new()};
  std::optional<std::string> failed_;
  bool ready_ = false;
  std::unique_ptr<RedisAsync> connection_;  // before base_ goes
  FileDescriptor server_;
};

// Found by fuzz_redis_reply: hiredis asserts, and so aborted ternd, on a reply that
// answers no command.
TEST_F(RedisAsyncTest, ReplyToNoCommand_FailsTheConnectionInsteadOfAborting) {
  ASSERT_TRUE(ready_);
  // One command, two replies: the second answers nothing.
  bool answered = false;
  ASSERT_TRUE(connection_->command({"PING"}, [&](const redisReply* r) { answered = r; }));
  server_says("+PONG\r\n+SURPRISE\r\n");
  EXPECT_TRUE(answered);
  ASSERT_TRUE(failed_.has_value());
  EXPECT_EQ(*failed_, "the server sent a reply to no command");
}

TEST_F(RedisAsyncTest, ReplyBeforeAnyCommand_FailsTheConnection) {
  server_says("*1\r\n:1\r\n");
  ASSERT_TRUE(failed_.has_value());
  EXPECT_EQ(*failed_, "the server sent a reply to no command");
}

// Found by fuzz_redis_reply: hiredis callocs the count an array announces, so twelve bytes
// asked for 5.6 GB. Now such a reply fails the connection at once.
TEST_F(RedisAsyncTest, ArrayAnnouncingMillionsOfElements_FailsTheConnection) {
  bool answered = false;
  ASSERT_TRUE(connection_->command({"SMEMBERS", "k"}, [&](const redisReply* r) { answered = r; }));
  server_says("*700000000\r\n");
  EXPECT_FALSE(answered);
  ASSERT_TRUE(failed_.has_value());
}

}  // namespace
}  // namespace tern
