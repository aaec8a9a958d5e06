#include <gtest/gtest.h>

#include <algorithm>

#include "server/config/config.h"
#include "server/config/listen_plan.h"
#include "server/server.h"

namespace tern {
namespace {

Config on_loopback() {
  Config c;
  c.listening_ips = {"127.0.0.1"};
  return c;
}

TEST(ListenPlan_Proxy, ProxyPorts_GetListenersOfTheirOwnWithTheTrustedRanges) {
  Config c = on_loopback();
  c.tcp_proxy_port = 3480;
  c.tls_proxy_port = 5350;
  c.proxy_trusted = {"10.0.0.0/8"};
  c.udp_proxy_trusted = {"10.0.0.5"};
  auto plan = make_listen_plan(c, true);
  ASSERT_TRUE(plan) << plan.error();
  ASSERT_EQ(plan->tcp_proxy.size(), 1u);
  EXPECT_EQ(plan->tcp_proxy[0].port, 3480);
  ASSERT_EQ(plan->tls_proxy.size(), 1u);
  EXPECT_EQ(plan->tls_proxy[0].port, 5350);
  ASSERT_EQ(plan->proxy_trusted.size(), 1u);
  ASSERT_EQ(plan->udp_proxy_trusted.size(), 1u);
  // Without TLS (no certificate) there is no TLS PROXY listener either.
  plan = make_listen_plan(c, false);
  ASSERT_TRUE(plan) << plan.error();
  EXPECT_TRUE(plan->tls_proxy.empty());
}

TEST(ListenPlan_Proxy, NoProxyPort_NoProxyListener) {
  auto plan = make_listen_plan(on_loopback(), true);
  ASSERT_TRUE(plan) << plan.error();
  EXPECT_TRUE(plan->tcp_proxy.empty());
  EXPECT_TRUE(plan->tls_proxy.empty());
}

TEST(ListenPlan_Proxy, ProxyPortSharedWithAPlainOne_IsRefused) {
  Config c = on_loopback();
  c.tcp_proxy_port = c.listening_port;
  EXPECT_FALSE(make_listen_plan(c, true));
  c.tcp_proxy_port = 0;
  c.tls_proxy_port = c.tls_listening_port;
  EXPECT_FALSE(make_listen_plan(c, true));
  c.tcp_proxy_port = c.tls_proxy_port = 4000;
  EXPECT_FALSE(make_listen_plan(c, true));
}

bool listens_udp(const ListenPlan& plan, const std::string& ip_port) {
  return std::ranges::any_of(plan.udp,
                             [&](const TransportAddress& a) { return a.to_string() == ip_port; });
}

TEST(ListenPlan_Rfc5780, TwoIpsOfOneFamily_GridOfBothOnPortAndPortPlusOne) {
  Config c;
  c.listening_ips = {"127.0.0.1", "::1", "127.0.0.2"};
  c.listening_port = 3478;
  auto plan = make_listen_plan(c, false);
  ASSERT_TRUE(plan) << plan.error();
  ASSERT_EQ(plan->rfc5780.size(), 2u);  // UDP and TCP; one IPv6 address: no IPv6 grid
  EXPECT_EQ(plan->rfc5780[0].kind, Rfc5780Grid::Kind::Udp);
  EXPECT_EQ(plan->rfc5780[1].kind, Rfc5780Grid::Kind::Tcp);
  EXPECT_EQ(plan->rfc5780[1].address, plan->rfc5780[0].address);
  const auto& g = plan->rfc5780[0].address;
  EXPECT_EQ(g[0].to_string(), "127.0.0.1:3478");
  EXPECT_EQ(g[Rfc5780Grid::kOtherPort].to_string(), "127.0.0.1:3479");
  EXPECT_EQ(g[Rfc5780Grid::kOtherIp].to_string(), "127.0.0.2:3478");
  EXPECT_EQ(g[Rfc5780Grid::kOtherIp | Rfc5780Grid::kOtherPort].to_string(), "127.0.0.2:3479");
  EXPECT_TRUE(listens_udp(*plan, "127.0.0.1:3479"));
  EXPECT_TRUE(listens_udp(*plan, "127.0.0.2:3479"));
  EXPECT_EQ(plan->udp.size(), 5u);
}

TEST(ListenPlan_Rfc5780, AltListeningPort_IsTheAlternatePort) {
  Config c;
  c.listening_ips = {"::1", "::2"};
  c.alt_listening_port = 4000;
  c.no_tcp = true;
  auto plan = make_listen_plan(c, false);
  ASSERT_TRUE(plan) << plan.error();
  ASSERT_EQ(plan->rfc5780.size(), 1u);  // no TCP: no TCP grid
  EXPECT_EQ(plan->rfc5780[0].address[3].to_string(), "[::2]:4000");
}

bool listens(const std::vector<TransportAddress>& list, const std::string& ip_port) {
  return std::ranges::any_of(list,
                             [&](const TransportAddress& a) { return a.to_string() == ip_port; });
}

TEST(ListenPlan_Rfc5780, WithTls_TlsAndDtlsGridsOnTlsPortAndAltTlsPort) {
  Config c;
  c.listening_ips = {"127.0.0.1", "127.0.0.2"};
  c.no_udp = true;  // the stream and DTLS grids do not need UDP's
  auto plan = make_listen_plan(c, true);
  ASSERT_TRUE(plan) << plan.error();
  ASSERT_EQ(plan->rfc5780.size(), 3u);
  EXPECT_EQ(plan->rfc5780[0].kind, Rfc5780Grid::Kind::Tcp);
  EXPECT_EQ(plan->rfc5780[1].kind, Rfc5780Grid::Kind::Tls);
  EXPECT_EQ(plan->rfc5780[2].kind, Rfc5780Grid::Kind::Dtls);
  const auto& g = plan->rfc5780[1].address;
  EXPECT_EQ(g[0].to_string(), "127.0.0.1:5349");
  EXPECT_EQ(g[Rfc5780Grid::kOtherPort].to_string(), "127.0.0.1:5350");
  EXPECT_EQ(g[Rfc5780Grid::kOtherIp | Rfc5780Grid::kOtherPort].to_string(), "127.0.0.2:5350");
  EXPECT_EQ(plan->rfc5780[2].address, g);
  for (const auto* list : {&plan->tls, &plan->dtls}) {
    EXPECT_TRUE(listens(*list, "127.0.0.1:5350"));
    EXPECT_TRUE(listens(*list, "127.0.0.2:5350"));
    EXPECT_EQ(list->size(), 4u);
  }
  EXPECT_TRUE(listens(plan->tcp, "127.0.0.2:3479"));

  c.alt_tls_listening_port = 6000;
  c.no_dtls = true;
  plan = make_listen_plan(c, true);
  ASSERT_TRUE(plan) << plan.error();
  ASSERT_EQ(plan->rfc5780.size(), 2u);  // no DTLS: no DTLS grid
  EXPECT_EQ(plan->rfc5780[1].address[3].to_string(), "127.0.0.2:6000");
  EXPECT_TRUE(plan->dtls.empty());

  c.no_rfc5780 = true;
  plan = make_listen_plan(c, true);
  ASSERT_TRUE(plan) << plan.error();
  EXPECT_TRUE(plan->rfc5780.empty());
  EXPECT_EQ(plan->tls.size(), 2u);
}

TEST(ListenPlan_Rfc5780, AltTlsPortSharedWithAnotherPort_IsAClearError) {
  Config c;
  c.listening_ips = {"127.0.0.1", "127.0.0.2"};
  for (uint16_t alt_tls : {uint16_t{5349}, uint16_t{3478}, uint16_t{3479}}) {
    c.alt_tls_listening_port = alt_tls;
    auto plan = make_listen_plan(c, true);
    ASSERT_FALSE(plan) << alt_tls;
    EXPECT_NE(plan.error().find("alt-tls-listening-port"), std::string::npos) << plan.error();
    EXPECT_TRUE(make_listen_plan(c, false)) << "without TLS the port is not used";
  }
  c.alt_tls_listening_port = 0;
  c.tls_listening_port = 65535;
  EXPECT_FALSE(make_listen_plan(c, true));
  c.tls_listening_port = 5349;
  c.alt_listening_port = 5349;  // the alternate UDP and TCP port on the TLS port
  auto plan = make_listen_plan(c, true);
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().find("alt-listening-port"), std::string::npos) << plan.error();
}

TEST(ListenPlan_Rfc5780, OneIpPerFamilyNoRfc5780OrWildcard_NoGrid) {
  Config c;
  c.listening_ips = {"127.0.0.1", "::1"};
  auto plan = make_listen_plan(c, false);
  ASSERT_TRUE(plan) << plan.error();
  EXPECT_TRUE(plan->rfc5780.empty());
  EXPECT_EQ(plan->udp.size(), 2u);
  c.listening_ips = {"127.0.0.1", "127.0.0.2"};
  c.no_rfc5780 = true;
  plan = make_listen_plan(c, false);
  ASSERT_TRUE(plan) << plan.error();
  EXPECT_TRUE(plan->rfc5780.empty());
  c.no_rfc5780 = false;
  c.listening_ips = {"0.0.0.0", "127.0.0.2"};
  plan = make_listen_plan(c, false);
  ASSERT_TRUE(plan) << plan.error();
  EXPECT_TRUE(plan->rfc5780.empty());
}

TEST(ListenPlan_Rfc5780, NoAlternatePort_IsAClearError) {
  Config c;
  c.listening_ips = {"127.0.0.1", "127.0.0.2"};
  c.listening_port = 65535;
  auto plan = make_listen_plan(c, false);
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().find("alt-listening-port"), std::string::npos) << plan.error();
  c.listening_port = 3478;
  c.alt_listening_port = 3478;
  EXPECT_FALSE(make_listen_plan(c, false));
}

}  // namespace
}  // namespace tern
