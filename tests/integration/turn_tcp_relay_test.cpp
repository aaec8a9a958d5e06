// TCP relays (RFC 6062) against a real ternd: a TCP allocation over TCP and TLS (400 over
// UDP; 442 when no-tcp-relay or no-udp-relay switch a transport off), Connect to a peer
// (446 twice, 447 when the peer refuses, 403 when the peer policy does, in every address
// encoding), ConnectionAttempt when a peer connects in (only with a permission),
// ConnectionBind on a new connection and the bytes relayed exactly both ways, and the
// bind timeout.

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>

#include "base/file_descriptor.h"
#include "base/socket_address.h"
#include "base/sockets.h"
#include "tests/support/tcp_peer.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

constexpr uint8_t kTcp = 6;

AllocateOptions tcp_relay(IpVersion v) {
  return {.transport = kTcp, .family = family_of(v)};
}

Bytes random_bytes(size_t size, unsigned seed) {
  std::mt19937 gen(seed);
  Bytes out(size);
  for (auto& b : out) b = static_cast<uint8_t>(gen());
  return out;
}

// Reads a data connection until `size` bytes came (or an error or the deadline).
Result<Bytes, RecvError> read_exactly(StunClient& c, size_t size, Millis timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  Bytes out;
  while (out.size() < size) {
    const auto left =
        std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) return unexpected(RecvError::Timeout);
    auto more = c.receive_bytes(left);
    if (!more) return unexpected(more.error());
    out.insert(out.end(), more->begin(), more->end());
  }
  return out;
}

// A port on `v`'s loopback that nothing listens on (a listener opened and closed).
TransportAddress closed_port(IpVersion v) {
  auto l = TcpListener::open(loopback(v, 0));
  EXPECT_TRUE(l) << l.error();
  return l ? l->address() : loopback(v, 1);
}

class TurnTcpRelayTest : public TurnTest {
 protected:
  // A new client connection bound to connection `id`; nullopt (and a failure) otherwise.
  std::optional<TurnClient> bound(Transport t, IpVersion v, uint32_t id) {
    auto data = connect(t, v);
    if (!data) return std::nullopt;
    auto r = data->connection_bind(id);
    EXPECT_TRUE(IsSuccess(r)) << "ConnectionBind " << id;
    if (!r || !r->is_success()) return std::nullopt;
    return data;
  }
};

TEST_F(TurnTcpRelayTest, AllocateTcp_OverUdp_Is400) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  // RFC 6062 §5.1: "If the client connection transport is not TCP or TLS, the server MUST
  // reject the request with a 400 (Bad Request) error" (coturn: the same).
  EXPECT_TRUE(IsError(c->allocate(tcp_relay(IpVersion::V4)), 400));
}

TEST_F(TurnTcpRelayTest, NoTcpRelay_AllocateTcpIs442_UdpStillServed) {
  ASSERT_NO_FATAL_FAILURE(start({.extra = {"--no-tcp-relay"}}));
  auto c = connect(Transport::Tcp, IpVersion::V4);
  ASSERT_TRUE(c);
  EXPECT_TRUE(IsError(c->allocate(tcp_relay(IpVersion::V4)), 442));
  EXPECT_TRUE(IsSuccess(c->allocate()));
}

TEST_F(TurnTcpRelayTest, NoUdpRelay_AllocateUdpIs442_TcpStillServed) {
  ASSERT_NO_FATAL_FAILURE(start({.extra = {"--no-udp-relay"}}));
  auto c = connect(Transport::Tcp, IpVersion::V4);
  ASSERT_TRUE(c);
  EXPECT_TRUE(IsError(c->allocate(), 442));
  EXPECT_TRUE(IsSuccess(c->allocate(tcp_relay(IpVersion::V4))));
}

TEST_F(TurnTcpRelayTest, Connect_OnUdpAllocation_Is400) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = allocated(Transport::Tcp, IpVersion::V4);
  ASSERT_TRUE(c);
  auto peer = TcpListener::open(loopback(IpVersion::V4, 0));
  ASSERT_TRUE(peer) << peer.error();
  EXPECT_TRUE(IsError(c->connect_peer(peer->address()), 400));
}

TEST_F(TurnTcpRelayTest, Connect_SamePeerTwice_Is446) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = allocated(Transport::Tcp, IpVersion::V4, tcp_relay(IpVersion::V4));
  ASSERT_TRUE(c);
  auto peer = TcpListener::open(loopback(IpVersion::V4, 0));
  ASSERT_TRUE(peer) << peer.error();
  auto first = c->connect_peer(peer->address());
  ASSERT_TRUE(IsSuccess(first));
  EXPECT_TRUE(first->connection_id());
  EXPECT_TRUE(IsError(c->connect_peer(peer->address()), 446));
}

TEST_F(TurnTcpRelayTest, Connect_PeerRefuses_Is447) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = allocated(Transport::Tcp, IpVersion::V4, tcp_relay(IpVersion::V4));
  ASSERT_TRUE(c);
  const TransportAddress nobody = closed_port(IpVersion::V4);
  EXPECT_TRUE(IsError(c->connect_peer(nobody), 447));
  // A failed Connect leaves no connection behind: the same peer may be tried again.
  EXPECT_TRUE(IsError(c->connect_peer(nobody), 447));
}

// A peer that never answers: a listener whose accept queue is full (backlog 0 and one
// connection nobody accepts), so Linux drops the relay's SYNs without a reset and the
// connect neither succeeds nor fails until ternd's tcp-connect-timeout.
TEST_F(TurnTcpRelayTest, Connect_PeerNeverAnswers_Is447AtTheConnectTimeout) {
  ASSERT_NO_FATAL_FAILURE(start({.extra = {"--tcp-connect-timeout", "1"}}));
  FileDescriptor silent(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(silent.valid());
  const SockAddr at = to_sockaddr(loopback(IpVersion::V4, 0));
  ASSERT_EQ(::bind(silent.get(), at.get(), at.length), 0);
  ASSERT_EQ(::listen(silent.get(), 0), 0);
  auto bound_at = local_address(silent.get());
  ASSERT_TRUE(bound_at);
  auto filler = TcpStream::connect(loopback(IpVersion::V4, 0), *bound_at);
  ASSERT_TRUE(filler) << filler.error();
  auto c = allocated(Transport::Tcp, IpVersion::V4, tcp_relay(IpVersion::V4));
  ASSERT_TRUE(c);
  const auto began = std::chrono::steady_clock::now();
  EXPECT_TRUE(IsError(c->connect_peer(*bound_at), 447));
  // Not a refusal: the answer waited for the timeout.
  EXPECT_GE(std::chrono::steady_clock::now() - began, 900ms);
  // The timed-out attempt left nothing behind: the peer may be tried again.
  EXPECT_TRUE(IsError(c->connect_peer(*bound_at), 447));
}

TEST_F(TurnTcpRelayTest, Connect_DeniedPeer_Is403InEveryEncoding_NothingConnects) {
  // The relay IP is not the peer's, so no relay-address exception applies.
  ASSERT_NO_FATAL_FAILURE(start({.ipv4_relay = "127.0.0.2", .allow_loopback_peers = false}));
  auto peer = TcpListener::open(loopback(IpVersion::V4, 0));
  ASSERT_TRUE(peer) << peer.error();
  auto c = allocated(Transport::Tcp, IpVersion::V4, tcp_relay(IpVersion::V4));
  ASSERT_TRUE(c);
  EXPECT_TRUE(IsError(c->connect_peer(peer->address()), 403));
  if (ipv6_loopback_available()) {
    // The same peer written as an IPv4-mapped IPv6 address, on an IPv6 TCP relay.
    auto c6 = allocated(Transport::Tcp, IpVersion::V6, tcp_relay(IpVersion::V6));
    ASSERT_TRUE(c6);
    TransportAddress mapped{.family = Family::V6, .port = peer->address().port};
    mapped.ip[10] = mapped.ip[11] = 0xff;
    std::copy_n(peer->address().ip.begin(), 4, mapped.ip.begin() + 12);
    EXPECT_TRUE(IsError(c6->connect_peer(mapped), 403)) << mapped.to_string();
  }
  EXPECT_FALSE(peer->accept(500ms)) << "a refused peer was connected to";
  auto counters = stop_and_count();
  EXPECT_EQ(counters["peer_denied"], ipv6_loopback_available() ? 2u : 1u);
}

TEST_F(TurnTcpRelayTest, ConnectionBind_UnknownId_Is400_OverUdpIs400) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto data = connect(Transport::Tcp, IpVersion::V4);
  ASSERT_TRUE(data);
  EXPECT_TRUE(IsError(data->connection_bind(12345), 400));
  auto udp = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(udp);
  EXPECT_TRUE(IsError(udp->connection_bind(12345), 400));
}

TEST_F(TurnTcpRelayTest, PendingConnection_NotBoundInTime_IsClosed) {
  ASSERT_NO_FATAL_FAILURE(start({.extra = {"--tcp-connection-bind-timeout", "1"}}));
  auto c = allocated(Transport::Tcp, IpVersion::V4, tcp_relay(IpVersion::V4));
  ASSERT_TRUE(c);
  auto listener = TcpListener::open(loopback(IpVersion::V4, 0));
  ASSERT_TRUE(listener) << listener.error();
  auto r = c->connect_peer(listener->address());
  ASSERT_TRUE(IsSuccess(r));
  auto peer = listener->accept();
  ASSERT_TRUE(peer) << peer.error();
  // 1 s to bind, checked once a second: closed within a few seconds, never bound.
  EXPECT_TRUE(peer->closed_within(10s));
  auto data = connect(Transport::Tcp, IpVersion::V4);
  ASSERT_TRUE(data);
  EXPECT_TRUE(IsError(data->connection_bind(r->connection_id().value_or(0)), 400));
}

TEST_F(TurnTcpRelayTest, ConnectionAttempt_WithoutPermission_ClosedAtOnce) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = allocated(Transport::Tcp, IpVersion::V4, tcp_relay(IpVersion::V4));
  ASSERT_TRUE(c);
  auto peer = TcpStream::connect(loopback(IpVersion::V4, 0), c->relayed(Family::V4));
  // ternd resets the connection as it accepts it: at times before connect() returns.
  if (peer) {
    EXPECT_TRUE(peer->closed_within(5s));
  } else {
    EXPECT_NE(peer.error().find("reset"), std::string::npos) << peer.error();
  }
  auto attempt = c->receive_connection_attempt(300ms);
  EXPECT_FALSE(attempt) << "ConnectionAttempt for a peer without a permission";
}

class TurnTcpRelayDataTest
    : public TurnTcpRelayTest,
      public ::testing::WithParamInterface<std::tuple<Transport, IpVersion>> {
 protected:
  void SetUp() override {
    if (version() == IpVersion::V6 && !ipv6_loopback_available()) GTEST_SKIP() << "no IPv6";
    ASSERT_NO_FATAL_FAILURE(start({.tls = transport() == Transport::Tls}));
  }
  Transport transport() const { return std::get<0>(GetParam()); }
  IpVersion version() const { return std::get<1>(GetParam()); }

  // 256 KiB each way, at once: more than any socket buffer, so both directions' flow
  // control takes part.
  void relay_both_ways(TurnClient& data, TcpStream& peer) {
    const Bytes up = random_bytes(256 << 10, 1), down = random_bytes(256 << 10, 2);
    ASSERT_TRUE(data.send_raw(up));
    auto at_peer = peer.receive_exact(up.size(), 10s);
    ASSERT_TRUE(at_peer) << to_string(at_peer.error());
    EXPECT_TRUE(*at_peer == up) << "client → peer bytes differ";
    ASSERT_TRUE(peer.send_all(down, 10s));
    auto at_client = read_exactly(data.stun(), down.size());
    ASSERT_TRUE(at_client) << to_string(at_client.error());
    EXPECT_TRUE(*at_client == down) << "peer → client bytes differ";
  }
};

TEST_P(TurnTcpRelayDataTest, Connect_ThenBind_RelaysBytesExactlyBothWays) {
  auto c = allocated(transport(), version(), tcp_relay(version()));
  ASSERT_TRUE(c);
  const TransportAddress relayed = c->relayed(family_of(version()));
  auto listener = TcpListener::open(loopback(version(), 0));
  ASSERT_TRUE(listener) << listener.error();
  auto r = c->connect_peer(listener->address());
  ASSERT_TRUE(IsSuccess(r));
  ASSERT_TRUE(r->connection_id());
  auto accepted = listener->accept();
  ASSERT_TRUE(accepted) << accepted.error();
  std::optional<TcpStream> peer(std::move(*accepted));
  // RFC 6062 §5.2: the connection comes from the relayed transport address.
  EXPECT_EQ(peer->remote_address(), relayed);
  auto data = bound(transport(), version(), *r->connection_id());
  ASSERT_TRUE(data);
  relay_both_ways(*data, *peer);
  // The peer ends; the client's data connection ends with it.
  peer.reset();
  EXPECT_TRUE(data->stun().closed_within(5s));
}

TEST_P(TurnTcpRelayDataTest, PeerConnectsIn_WithPermission_ConnectionAttemptThenBind) {
  auto c = allocated(transport(), version(), tcp_relay(version()));
  ASSERT_TRUE(c);
  ASSERT_TRUE(IsSuccess(c->create_permission({loopback(version(), 0)})));
  auto peer = TcpStream::connect(loopback(version(), 0), c->relayed(family_of(version())));
  ASSERT_TRUE(peer) << peer.error();
  auto attempt = c->receive_connection_attempt(5s);
  ASSERT_TRUE(attempt) << to_string(attempt.error());
  EXPECT_EQ(attempt->peer, peer->local_address());
  auto data = bound(transport(), version(), attempt->id);
  ASSERT_TRUE(data);
  relay_both_ways(*data, *peer);
  // The allocation goes (Refresh 0): its data connections go with it.
  ASSERT_TRUE(IsSuccess(c->refresh(0)));
  EXPECT_TRUE(peer->closed_within(5s));
  EXPECT_TRUE(data->stun().closed_within(5s));
}

INSTANTIATE_TEST_SUITE_P(StreamTransports, TurnTcpRelayDataTest,
                         ::testing::Combine(::testing::Values(Transport::Tcp, Transport::Tls),
                                            both_ip_versions()),
                         ParamName());

}  // namespace
}  // namespace tern::test
