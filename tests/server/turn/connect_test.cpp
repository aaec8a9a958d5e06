// RFC 6062 through handle_allocate, handle_connect and handle_connection_bind, without a
// process: the client is a fake stream (what TURN code sees of a TCP connection), the
// peer a real loopback listener; the Connect's answer arrives on the stream once the
// worker's loop (poll) has seen the connect finish.

#include <chrono>
#include <thread>

#include "protocol/message.h"
#include "server/turn/turn_context.h"
#include "tests/server/turn/fake_stream.h"
#include "tests/server/turn/turn_core_test.h"
#include "tests/support/tcp_peer.h"

namespace tern::test {
namespace {

class ConnectTest : public TurnCoreTest {
 protected:
  RequestContext over_stream(FakeStream& s, uint16_t port) {
    RequestContext c = ctx();
    c.transport = Transport::Tcp;
    c.client.port = port;
    c.link = ClientLink{.stream = &s};
    return c;
  }
  std::vector<uint8_t> tcp_allocate(const RequestContext& c) {
    return core().handle(
        core().request(stun::Method::Allocate,
                       [](stun::MessageBuilder& b) {
                         stun::RequestedTransport{stun::RequestedTransport::kTcp}.add_to(b);
                       }),
        c);
  }
  std::vector<uint8_t> connect(const RequestContext& c, const TransportAddress& peer) {
    return core().handle(
        core().request(stun::Method::Connect,
                       [&](stun::MessageBuilder& b) { stun::XorPeerAddress{peer}.add_to(b); }),
        c);
  }
  std::vector<uint8_t> bind(const RequestContext& c, uint32_t id) {
    return core().handle(
        core().request(stun::Method::ConnectionBind,
                       [&](stun::MessageBuilder& b) { stun::ConnectionId{id}.add_to(b); }),
        c);
  }
  // Runs the loop until the stream got a message (bounded: 5 s).
  bool poll_until_sent(FakeStream& s) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (s.sent.empty() && std::chrono::steady_clock::now() < deadline) {
      core().poll();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return !s.sent.empty();
  }
};

TEST_F(ConnectTest, NoAllocation_Is437) {
  EXPECT_EQ(code_of(connect(ctx(), v4_loopback(9))), 437);
}

TEST_F(ConnectTest, UdpAllocation_Is400) {
  ASSERT_EQ(code_of(allocate()), 0);
  EXPECT_EQ(code_of(connect(ctx(), v4_loopback(9))), 400);
}

TEST_F(ConnectTest, ConnectionBindOverUdp_Is400) {
  EXPECT_EQ(code_of(bind(ctx(), 1)), 400);
}

TEST_F(ConnectTest, ConnectAnsweredWhenMade_ThenBoundOnAnotherStream) {
  FakeStream control, data;
  const RequestContext c = over_stream(control, 40001);
  ASSERT_EQ(code_of(tcp_allocate(c)), 0);
  auto listener = TcpListener::open(v4_loopback());
  ASSERT_TRUE(listener) << listener.error();
  // Answered later, not now.
  EXPECT_TRUE(connect(c, listener->address()).empty());
  ASSERT_TRUE(poll_until_sent(control));
  auto answer = stun::MessageView::parse(control.sent.front());
  ASSERT_TRUE(answer);
  EXPECT_EQ(code_of(control.sent.front()), 0);
  auto id = stun::ConnectionId::get_from(*answer);
  ASSERT_TRUE(id);
  // A second Connect to the same peer while the first is pending: 446.
  EXPECT_EQ(code_of(connect(c, listener->address())), 446);
  // The control connection has the allocation: it cannot be a data connection.
  EXPECT_EQ(code_of(bind(c, id->id)), 400);
  EXPECT_EQ(code_of(bind(over_stream(data, 40002), id->id)), 0);
  ASSERT_TRUE(data.peer);
  EXPECT_TRUE(data.peer->fd.valid());
  EXPECT_EQ(code_of(bind(over_stream(data, 40003), id->id)), 400);  // taken once
}

}  // namespace
}  // namespace tern::test
