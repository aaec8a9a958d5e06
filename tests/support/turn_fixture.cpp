#include "tests/support/turn_fixture.h"

namespace tern::test {

::testing::AssertionResult IsSuccess(const TurnResult& r) {
  if (!r) return ::testing::AssertionFailure() << r.error();
  if (!r->is_success()) return ::testing::AssertionFailure() << "got " << r->describe();
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsError(const TurnResult& r, uint16_t code) {
  if (!r) return ::testing::AssertionFailure() << r.error();
  if (r->is_success() || r->code() != code) {
    return ::testing::AssertionFailure() << "expected " << code << ", got " << r->describe();
  }
  return ::testing::AssertionSuccess();
}

void TurnTest::start(TurnServerSetup setup) {
  std::vector<std::string> args{"--relay-ip", setup.ipv4_relay};
  if (setup.ipv6_relay && ipv6_loopback_available()) {
    args.insert(args.end(), {"--relay-ip", "::1"});
  }
  if (setup.allow_loopback_peers) args.emplace_back("--allow-loopback-peers");
  args.insert(args.end(), {"--user", "alice:secret", "--realm", kRealm});
  args.insert(args.end(), setup.extra.begin(), setup.extra.end());
  auto t = TerndProcess::start({std::move(args), setup.tls, std::move(setup.env)});
  ASSERT_TRUE(t) << t.error();
  ternd_.emplace(std::move(*t));
}

std::optional<TurnClient> connected_client(Transport t, const TransportAddress& server,
                                           TurnCredentials credentials) {
  auto c = TurnClient::connect(t, server, std::move(credentials));
  EXPECT_TRUE(c) << c.error();
  if (!c) return std::nullopt;
  return std::move(*c);
}

std::optional<TurnClient> allocated_client(Transport t, const TransportAddress& server,
                                           AllocateOptions options, TurnCredentials credentials) {
  auto c = connected_client(t, server, std::move(credentials));
  if (!c) return std::nullopt;
  auto r = c->allocate(options);
  EXPECT_TRUE(IsSuccess(r)) << c->credentials().username << "'s Allocate over " << t << " to "
                            << server.to_string();
  if (!r || !r->is_success()) return std::nullopt;
  return c;
}

std::optional<TurnClient> TurnTest::connect(Transport t, IpVersion v, TurnCredentials credentials) {
  return connected_client(t, server(t, v), std::move(credentials));
}

std::optional<TurnClient> TurnTest::allocated(Transport t, IpVersion v, AllocateOptions options,
                                              TurnCredentials credentials) {
  return allocated_client(t, server(t, v), std::move(options), std::move(credentials));
}

std::optional<UdpPeer> TurnTest::peer(const TransportAddress& ip) {
  auto p = UdpPeer::open(ip);
  EXPECT_TRUE(p) << p.error();
  if (!p) return std::nullopt;
  return std::move(*p);
}

std::map<std::string, uint64_t> TurnTest::stop_and_count() {
  auto status = ternd_->stop();
  EXPECT_TRUE(status.clean()) << "ternd: " << status.describe() << "\n" << ternd_->diagnostics();
  auto counters = parse_counters(ternd_->log());
  EXPECT_TRUE(counters) << "no counters line\n" << ternd_->diagnostics();
  return counters.value_or(std::map<std::string, uint64_t>{});
}

void TurnIpVersionTest::SetUp() {
  if (needs_ipv6_but_missing(version())) GTEST_SKIP() << "no IPv6 loopback";
}

void TurnTransportTest::SetUp() {
  if (needs_ipv6_but_missing(version())) GTEST_SKIP() << "no IPv6 loopback";
}

void TurnTransportTest::start_for_transport(TurnServerSetup setup) {
  setup.tls = setup.tls || transport() == Transport::Tls || transport() == Transport::Dtls;
  start(std::move(setup));
}

Family family_of(IpVersion v) {
  return v == IpVersion::V4 ? Family::V4 : Family::V6;
}

Bytes payload(std::string_view text) {
  return Bytes(text.begin(), text.end());
}

std::string text_of(const Bytes& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

void relays(TurnClient& client, UdpPeer& peer, const std::string& text) {
  ASSERT_TRUE(client.send_indication(peer.address(), payload(text)));
  auto at_peer = peer.echo(Millis(5000));
  ASSERT_TRUE(at_peer) << text << ": " << to_string(at_peer.error());
  EXPECT_EQ(text_of(at_peer->data), text);
  auto back = client.receive_data(Millis(5000));
  ASSERT_TRUE(back) << text << ": " << to_string(back.error());
  EXPECT_EQ(text_of(back->data), text);
}

}  // namespace tern::test
