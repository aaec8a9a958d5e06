// ternd behind a load balancer that speaks the PROXY protocol (haproxy's
// doc/proxy-protocol.txt): --tcp-proxy-port and --tls-proxy-port take a v1 or v2 header
// before the first byte, and the client it names is the client everywhere
// (XOR-MAPPED-ADDRESS, allocations, per-source limits); --proxy-trusted names the
// balancers whose headers are believed. Debian's haproxy plays the balancer, and our own
// client writes headers haproxy would not (malformed, late, from an untrusted source).

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "base/proxy_protocol.h"
#include "base/socket_address.h"
#include "tests/support/free_ports.h"
#include "tests/support/haproxy.h"
#include "tests/support/stun_expect.h"
#include "tests/support/stun_requests.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

TransportAddress at(const char* ip, uint16_t port = 0) {
  return parse_ip(ip, port).value();
}

Bytes text(std::string_view s) {
  return {s.begin(), s.end()};
}

class ProxyProtocolTest : public TurnTest {
 protected:
  // ternd with a PROXY TCP port (and, with `tls`, a PROXY TLS port) and `extra` flags.
  void start_proxied(std::vector<std::string> extra = {}, bool tls = false) {
    proxy_port_ = free_tcp_port();
    ASSERT_NE(proxy_port_, 0);
    TurnServerSetup setup;
    setup.tls = tls;
    setup.extra = {"--tcp-proxy-port", std::to_string(proxy_port_)};
    if (tls) {
      tls_proxy_port_ = free_tcp_port();
      ASSERT_NE(tls_proxy_port_, 0);
      setup.extra.insert(setup.extra.end(), {"--tls-proxy-port", std::to_string(tls_proxy_port_)});
    }
    setup.extra.insert(setup.extra.end(), extra.begin(), extra.end());
    ASSERT_NO_FATAL_FAILURE(start(setup));
  }
  TransportAddress proxy_port() const { return at("127.0.0.1", proxy_port_); }

  std::unique_ptr<Haproxy> haproxy(uint16_t backend_port, const std::string& send_proxy) {
    std::string error;
    auto h = Haproxy::start(at("127.0.0.1", backend_port), send_proxy, error);
    EXPECT_TRUE(h) << error;
    return h;
  }

  // A plain TCP connection to the PROXY port that sends `header`, then a Binding request;
  // the answer, or why there was none. A connection refused at once (reset before the
  // client saw it established) is Closed.
  Result<Bytes, RecvError> binding_after(const Bytes& header, Bytes* request = nullptr) {
    auto c = StunClient::connect(Transport::Tcp, proxy_port());
    if (!c) return unexpected(RecvError::Closed);
    Bytes sent = header;
    const Bytes binding = binding_request();
    sent.insert(sent.end(), binding.begin(), binding.end());
    if (request) *request = binding;
    return c->exchange(sent, 5000ms);
  }

  uint16_t proxy_port_ = 0;
  uint16_t tls_proxy_port_ = 0;
};

class ProxyProtocolHaproxyTest : public ProxyProtocolTest,
                                 public ::testing::WithParamInterface<const char*> {};

TEST_P(ProxyProtocolHaproxyTest, BindingThroughHaproxy_MapsTheClientNotTheBalancer) {
  ASSERT_NO_FATAL_FAILURE(start_proxied({"--proxy-trusted", "127.0.0.1"}));
  auto balancer = haproxy(proxy_port_, GetParam());
  ASSERT_TRUE(balancer);
  // The client on another loopback address than the balancer's 127.0.0.1.
  auto c = StunClient::connect_from(Transport::Tcp, at("127.0.0.2"), balancer->address());
  ASSERT_TRUE(c) << c.error();
  const Bytes request = binding_request();
  auto response = c->exchange(request, 5000ms);
  ASSERT_TRUE(IsBindingSuccessFor(request, response)) << ternd().diagnostics();
  EXPECT_EQ(mapped_in(*response), c->local_address());
}

INSTANTIATE_TEST_SUITE_P(Versions, ProxyProtocolHaproxyTest,
                         ::testing::Values("send-proxy", "send-proxy-v2"), [](const auto& info) {
                           // Not info.param[11]: "send-proxy" has no 12th character.
                           return std::string(std::string_view(info.param).ends_with("-v2") ? "V2"
                                                                                            : "V1");
                         });

TEST_F(ProxyProtocolTest, TurnOverTcpThroughHaproxy_AllocatesForTheClientAndRelays) {
  ASSERT_NO_FATAL_FAILURE(start_proxied({"--proxy-trusted", "127.0.0.1"}));
  auto balancer = haproxy(proxy_port_, "send-proxy-v2");
  ASSERT_TRUE(balancer);
  auto c = TurnClient::connect_from(Transport::Tcp, at("127.0.0.2"), balancer->address());
  ASSERT_TRUE(c) << c.error();
  auto allocated = c->allocate();
  ASSERT_TRUE(IsSuccess(allocated));
  EXPECT_EQ(allocated->mapped(), c->local_address());
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(p);
  ASSERT_TRUE(IsSuccess(c->create_permission({p->address()})));
  ASSERT_TRUE(c->send_indication(p->address(), payload("through the balancer")));
  auto at_peer = p->echo();
  ASSERT_TRUE(at_peer) << to_string(at_peer.error());
  EXPECT_EQ(at_peer->from, c->relayed(Family::V4));
  auto back = c->receive_data();
  ASSERT_TRUE(back) << to_string(back.error());
  EXPECT_EQ(text_of(back->data), "through the balancer");
}

TEST_F(ProxyProtocolTest, TlsThroughHaproxy_HeaderBeforeTheHandshake) {
  ASSERT_NO_FATAL_FAILURE(start_proxied({"--proxy-trusted", "127.0.0.0/8"}, true));
  auto balancer = haproxy(tls_proxy_port_, "send-proxy-v2");
  ASSERT_TRUE(balancer);
  auto c = StunClient::connect_from(Transport::Tls, at("127.0.0.3"), balancer->address());
  ASSERT_TRUE(c) << c.error() << ternd().diagnostics();
  const Bytes request = binding_request();
  auto response = c->exchange(request, 5000ms);
  ASSERT_TRUE(IsBindingSuccessFor(request, response)) << ternd().diagnostics();
  EXPECT_EQ(mapped_in(*response), c->local_address());
}

TEST_F(ProxyProtocolTest, V1HeaderAndBindingInOneSegment_NamesTheHeadersClient) {
  ASSERT_NO_FATAL_FAILURE(start_proxied({"--proxy-trusted", "127.0.0.1"}));
  const std::string header =
      "PROXY TCP4 127.0.0.5 127.0.0.1 4444 " + std::to_string(proxy_port_) + "\r\n";
  Bytes request;
  auto response = binding_after(text(header), &request);
  ASSERT_TRUE(IsBindingSuccessFor(request, response));
  EXPECT_EQ(mapped_in(*response), at("127.0.0.5", 4444));
}

TEST_F(ProxyProtocolTest, LocalCommand_UsesTheConnectionsOwnAddress) {
  ASSERT_NO_FATAL_FAILURE(start_proxied({"--proxy-trusted", "127.0.0.1"}));
  const Bytes local{0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51,
                    0x55, 0x49, 0x54, 0x0A, 0x20, 0x00, 0x00, 0x00};
  Bytes request;
  auto response = binding_after(local, &request);
  ASSERT_TRUE(IsBindingSuccessFor(request, response));
  ASSERT_TRUE(mapped_in(*response));
  EXPECT_EQ(mapped_in(*response)->ip_string(), "127.0.0.1");
}

TEST_F(ProxyProtocolTest, HeaderFromAnUntrustedSource_IsRefused) {
  ASSERT_NO_FATAL_FAILURE(start_proxied({"--proxy-trusted", "127.0.0.9"}));
  std::array<uint8_t, 52> header{};
  const size_t n = write_proxy_v2(header, at("127.0.0.5", 4444), proxy_port(), false);
  auto response = binding_after(Bytes(header.begin(), header.begin() + static_cast<long>(n)));
  EXPECT_FALSE(response) << "answered an untrusted balancer's client";
  EXPECT_GE(stop_and_count()["proxy_untrusted"], 1u);
}

TEST_F(ProxyProtocolTest, NoHeader_ClosesTheConnection) {
  ASSERT_NO_FATAL_FAILURE(start_proxied({"--proxy-trusted", "127.0.0.1"}));
  auto response = binding_after({});
  EXPECT_FALSE(response) << "a Binding without a PROXY header was answered";
  EXPECT_GE(stop_and_count()["proxy_invalid"], 1u);
}

TEST_F(ProxyProtocolTest, HeaderNeverFinished_ClosesAtTheDeadline) {
  ASSERT_NO_FATAL_FAILURE(start_proxied({"--stream-frame-timeout", "1"}));
  auto c = StunClient::connect(Transport::Tcp, proxy_port());
  ASSERT_TRUE(c) << c.error();
  ASSERT_TRUE(c->send(text("PROXY TCP4 127.0.0.5")));
  EXPECT_TRUE(c->closed_within(10s));
  EXPECT_GE(stop_and_count()["proxy_invalid"], 1u);
  // No proxy-trusted: believed from anyone, which the operator is told.
  EXPECT_NE(ternd().log().find("without proxy-trusted"), std::string::npos) << ternd().log();
}

TEST_F(ProxyProtocolTest, PerSourceLimit_CountsTheHeadersClient) {
  ASSERT_NO_FATAL_FAILURE(start_proxied({"--max-unallocated-streams-per-ip", "1"}));
  auto connect_as = [&](const char* client) {
    auto c = StunClient::connect(Transport::Tcp, proxy_port());
    EXPECT_TRUE(c) << c.error();
    const std::string header = std::string("PROXY TCP4 ") + client + " 127.0.0.1 4444 " +
                               std::to_string(proxy_port_) + "\r\n";
    EXPECT_TRUE(c->send(text(header)));
    return std::move(*c);
  };
  auto first = connect_as("127.0.0.5");
  const Bytes request = binding_request();
  ASSERT_TRUE(IsBindingSuccessFor(request, first.exchange(request, 5000ms)));
  // The same client again is over its limit; another client behind the same balancer is not.
  auto second = connect_as("127.0.0.5");
  EXPECT_TRUE(second.closed_within(5s));
  auto other = connect_as("127.0.0.6");
  ASSERT_TRUE(IsBindingSuccessFor(request, other.exchange(request, 5000ms)));
}

}  // namespace
}  // namespace tern::test
