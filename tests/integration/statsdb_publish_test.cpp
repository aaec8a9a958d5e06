// --redis-statsdb PUBLISH: besides the status key, ternd publishes each allocation event
// on the key's own channel, as coturn does, so a dashboard subscribed to
// turn/realm/<realm>/user/*/allocation/* sees allocations come, refresh and go:
//   .../allocation/<id>/status   "new lifetime=<s>", "refreshed lifetime=<s>", "deleted"
//   .../allocation/<id>/total_traffic       "rcvp=<n>, rcvb=<n>, sentp=<n>, sentb=<n>"
//   .../allocation/<id>/total_traffic/peer  the same seen from the peers' side
// on deletion (rcv: from the client, relayed to peers; sent: relayed to the client), with
// coturn's 18-digit session ids.

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "base/file_descriptor.h"
#include "base/socket_address.h"
#include "tests/support/redis_server.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The publisher runs on ternd's main loop and writes through Redis: a moment on a quiet
// machine, longer when both wait for a core.
constexpr auto kPublishBound = 20s;

struct Published {
  std::string channel;
  std::string message;
};

// A PSUBSCRIBE over a socket of its own, as a dashboard holds one. Written here rather than
// with redis-cli: every message is read with a deadline and none is lost to buffering.
class Subscriber {
 public:
  // Subscribed once open() returns: Redis has confirmed the pattern.
  static std::optional<Subscriber> open(uint16_t port, const std::string& pattern) {
    Subscriber s;
    s.fd_ = FileDescriptor(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const SockAddr sa = to_sockaddr(loopback(IpVersion::V4, port));
    if (!s.fd_.valid() || connect(s.fd_.get(), sa.get(), sa.length) != 0) {
      ADD_FAILURE() << "cannot connect to redis on port " << port;
      return std::nullopt;
    }
    const std::string request =
        "*2\r\n$10\r\nPSUBSCRIBE\r\n$" + std::to_string(pattern.size()) + "\r\n" + pattern + "\r\n";
    if (send(s.fd_.get(), request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      ADD_FAILURE() << "cannot send PSUBSCRIBE";
      return std::nullopt;
    }
    auto confirmed = s.next_reply(Clock::now() + 10s);
    if (!confirmed || confirmed->empty() || (*confirmed)[0] != "psubscribe") {
      ADD_FAILURE() << "PSUBSCRIBE " << pattern << " not confirmed";
      return std::nullopt;
    }
    return s;
  }

  // The next message published on a channel of the pattern; nullopt past `timeout`.
  std::optional<Published> next(std::chrono::milliseconds timeout = kPublishBound) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      auto reply = next_reply(deadline);
      if (!reply) return std::nullopt;
      // ["pmessage", pattern, channel, message]
      if (reply->size() == 4 && (*reply)[0] == "pmessage") {
        return Published{(*reply)[2], (*reply)[3]};
      }
    }
  }

 private:
  Subscriber() = default;

  std::optional<std::vector<std::string>> next_reply(Clock::time_point deadline) {
    for (;;) {
      size_t at = pos_;
      if (auto reply = parse_resp(in_, at)) {
        in_.erase(0, at);
        pos_ = 0;
        return reply;
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left <= 0ms) return std::nullopt;
      pollfd p{fd_.get(), POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) != 1) return std::nullopt;
      char buf[4096];
      const ssize_t n = recv(fd_.get(), buf, sizeof buf, 0);
      if (n <= 0) return std::nullopt;
      in_.append(buf, static_cast<size_t>(n));
    }
  }

  FileDescriptor fd_;
  std::string in_;
  size_t pos_ = 0;
};

class StatsdbPublishTest : public TurnTest {
 protected:
  void SetUp() override {
    std::string error;
    redis_ = RedisServer::start({}, error);
    ASSERT_TRUE(redis_) << error;
  }

  std::unique_ptr<RedisServer> redis_;
};

TEST_F(StatsdbPublishTest, Subscriber_SeesNew_Refreshed_Deleted_AndTheTotalTraffic) {
  auto sub = Subscriber::open(redis_->port(), "turn/realm/tern.test/user/*/allocation/*");
  ASSERT_TRUE(sub);
  ASSERT_NO_FATAL_FAILURE(
      start({.extra = {"--realm", "tern.test", "--redis-statsdb", redis_->connection_string()}}));
  const auto started = Clock::now();
  auto c = allocated(Transport::Udp, IpVersion::V4);
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(c && p);

  auto made = sub->next();
  ASSERT_TRUE(made) << "nothing published for the new allocation\n" << ternd().diagnostics();
  std::cout << "[ statsdb ] \"new\" seen "
            << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count()
            << " ms after ternd answered\n";
  std::smatch m;
  static const std::regex kStatus(
      R"(turn/realm/tern\.test/user/alice/allocation/([0-9]{18})/status)");
  ASSERT_TRUE(std::regex_match(made->channel, m, kStatus)) << made->channel;
  const std::string base = "turn/realm/tern.test/user/alice/allocation/" + m[1].str();
  EXPECT_EQ(made->message, "new lifetime=600");

  ASSERT_TRUE(IsSuccess(c->refresh(1200)));
  auto refreshed = sub->next();
  ASSERT_TRUE(refreshed) << "nothing published for the refresh";
  EXPECT_EQ(refreshed->channel, base + "/status");
  EXPECT_EQ(refreshed->message, "refreshed lifetime=1200");

  // Two datagrams to the peer (5 and 7 bytes), one back (3 bytes).
  ASSERT_TRUE(IsSuccess(c->create_permission({p->address()})));
  ASSERT_TRUE(c->send_indication(p->address(), payload("12345")));
  ASSERT_TRUE(c->send_indication(p->address(), payload("1234567")));
  ASSERT_TRUE(p->receive() && p->receive());
  ASSERT_TRUE(p->send_to(c->relayed(Family::V4), payload("abc")));
  ASSERT_TRUE(c->receive_data());

  ASSERT_TRUE(IsSuccess(c->refresh(0)));
  auto deleted = sub->next();
  ASSERT_TRUE(deleted) << "nothing published for the deletion";
  EXPECT_EQ(deleted->channel, base + "/status");
  EXPECT_EQ(deleted->message, "deleted");
  auto traffic = sub->next();
  ASSERT_TRUE(traffic) << "no traffic published with the deletion";
  EXPECT_EQ(traffic->channel, base + "/total_traffic");
  EXPECT_EQ(traffic->message, "rcvp=2, rcvb=12, sentp=1, sentb=3");
  auto peer = sub->next();
  ASSERT_TRUE(peer) << "no peer-side traffic published with the deletion";
  EXPECT_EQ(peer->channel, base + "/total_traffic/peer");
  EXPECT_EQ(peer->message, "rcvp=1, rcvb=3, sentp=2, sentb=12");

  EXPECT_FALSE(sub->next(300ms)) << "more than one event per change";
}

TEST_F(StatsdbPublishTest, TwoAllocations_EachPublishesOnItsOwnChannel) {
  auto sub = Subscriber::open(redis_->port(), "turn/realm/tern.test/user/*/allocation/*/status");
  ASSERT_TRUE(sub);
  ASSERT_NO_FATAL_FAILURE(
      start({.extra = {"--realm", "tern.test", "--redis-statsdb", redis_->connection_string()}}));
  auto first = allocated(Transport::Udp, IpVersion::V4);
  auto second = allocated(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(first && second);
  auto a = sub->next();
  auto b = sub->next();
  ASSERT_TRUE(a && b) << "two allocations, not two events\n" << ternd().diagnostics();
  EXPECT_EQ(a->message, "new lifetime=600");
  EXPECT_EQ(b->message, "new lifetime=600");
  EXPECT_NE(a->channel, b->channel);
}

}  // namespace
}  // namespace tern::test
