// RedisAsync against a fake server on loopback that says what a real Redis never would.

#include "auth/redis_async.h"

#include <event2/event.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "base/file_descriptor.h"
#include "base/libevent.h"

namespace tern::auth {
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

// Found by fuzz_redis_reply: hiredis asserts, and so aborted ternd, on a reply that
// answers no command.
TEST(RedisAsync, ReplyToNoCommand_FailsTheConnectionInsteadOfAborting) {
  FakeRedis fake;
  const EventBasePtr base(event_base_new());
  std::optional<std::string> failed;
  bool ready = false;
  auto connection = RedisAsync::connect(base.get(), "127.0.0.1", fake.port, {},
                                        {.ready = [&] { ready = true; },
                                         .failed = [&](const std::string& why) { failed = why; },
                                         .message = {}});
  ASSERT_TRUE(connection.ok()) << connection.error();
  run_until(base.get(), [&] { return ready || failed; });
  ASSERT_TRUE(ready);
  const FileDescriptor server(::accept4(fake.listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  ASSERT_TRUE(server.valid());

  // One command, two replies: the second answers nothing.
  bool answered = false;
  ASSERT_TRUE((*connection)->command({"PING"}, [&](const redisReply* r) { answered = r; }));
  constexpr std::string_view kReplies = "+PONG\r\n+SURPRISE\r\n";
  ASSERT_EQ(::send(server.get(), kReplies.data(), kReplies.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(kReplies.size()));
  run_until(base.get(), [&] { return failed.has_value(); });
  EXPECT_TRUE(answered);
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(*failed, "the server sent a reply to no command");
}

TEST(RedisAsync, ReplyBeforeAnyCommand_FailsTheConnection) {
  FakeRedis fake;
  const EventBasePtr base(event_base_new());
  std::optional<std::string> failed;
  bool ready = false;
  auto connection = RedisAsync::connect(base.get(), "127.0.0.1", fake.port, {},
                                        {.ready = [&] { ready = true; },
                                         .failed = [&](const std::string& why) { failed = why; },
                                         .message = {}});
  ASSERT_TRUE(connection.ok()) << connection.error();
  run_until(base.get(), [&] { return ready || failed; });
  const FileDescriptor server(::accept4(fake.listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  ASSERT_TRUE(server.valid());
  constexpr std::string_view kReply = "*1\r\n:1\r\n";
  ASSERT_EQ(::send(server.get(), kReply.data(), kReply.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(kReply.size()));
  run_until(base.get(), [&] { return failed.has_value(); });
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(*failed, "the server sent a reply to no command");
}

// Found by fuzz_redis_reply: hiredis callocs the count an array announces, so twelve bytes
// asked for 5.6 GB. Now such a reply fails the connection at once.
TEST(RedisAsync, ArrayAnnouncingMillionsOfElements_FailsTheConnection) {
  FakeRedis fake;
  const EventBasePtr base(event_base_new());
  std::optional<std::string> failed;
  bool ready = false;
  auto connection = RedisAsync::connect(base.get(), "127.0.0.1", fake.port, {},
                                        {.ready = [&] { ready = true; },
                                         .failed = [&](const std::string& why) { failed = why; },
                                         .message = {}});
  ASSERT_TRUE(connection.ok()) << connection.error();
  run_until(base.get(), [&] { return ready || failed; });
  const FileDescriptor server(::accept4(fake.listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  ASSERT_TRUE(server.valid());
  bool answered = false;
  ASSERT_TRUE(
      (*connection)->command({"SMEMBERS", "k"}, [&](const redisReply* r) { answered = r; }));
  constexpr std::string_view kReply = "*700000000\r\n";
  ASSERT_EQ(::send(server.get(), kReply.data(), kReply.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(kReply.size()));
  run_until(base.get(), [&] { return failed.has_value(); });
  EXPECT_FALSE(answered);
  ASSERT_TRUE(failed.has_value());
}

}  // namespace
}  // namespace tern::auth
