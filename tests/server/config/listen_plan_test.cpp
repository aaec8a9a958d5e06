#include <gtest/gtest.h>

#include "server/config/config.h"
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

}  // namespace
}  // namespace tern
