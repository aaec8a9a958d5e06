// route_interface: the interface the kernel routes a packet from a source address by, as
// the offload's control plane asks it for a route's client and peer (#16), policy routing
// by source included. And LinkWatch's news that the answer may have changed: a route, a
// rule, an address (through its local route) or a link changed. In a network namespace of
// the test's own with two veths (this kernel has no dummy links); root only: skipped
// elsewhere.

#include "server/offload/netlink.h"

#include <event2/event.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "base/libevent.h"
#include "server/offload/link_watch.h"
#include "tests/support/network_namespace.h"

namespace tern::test {
namespace {

std::array<uint8_t, 4> v4(const char* text) {
  std::array<uint8_t, 4> a{};
  ::inet_pton(AF_INET, text, a.data());
  return a;
}

std::array<uint8_t, 16> v6(const char* text) {
  std::array<uint8_t, 16> a{};
  ::inet_pton(AF_INET6, text, a.data());
  return a;
}

bool sh(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

// Two links, d1 and d2 (veths whose other ends, d1p and d2p, stay unused), each with an address;
// 198.19.0.0/16 and 2001:db8:99::/48 lie through d1 in the main table and through d2 for packets
// from d2's address.
class RouteInterface : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto error = enter_own_network_namespace()) GTEST_SKIP() << *error;
    for (const std::string link : {"d1", "d2"}) {
      ASSERT_TRUE(sh("ip link add " + link + " type veth peer name " + link + "p") &&
                  sh("ip link set " + link + " up") && sh("ip link set " + link + "p up"));
    }
    ASSERT_TRUE(sh("ip addr add 198.18.1.1/24 dev d1") && sh("ip addr add 198.18.2.1/24 dev d2") &&
                sh("ip addr add 2001:db8:1::1/64 dev d1 nodad") &&
                sh("ip addr add 2001:db8:2::1/64 dev d2 nodad") &&
                sh("ip route add 198.19.0.0/16 dev d1") &&
                sh("ip route add 198.19.0.0/16 dev d2 table 100") &&
                sh("ip rule add from 198.18.2.1 table 100") &&
                sh("ip -6 route add 2001:db8:99::/48 dev d1") &&
                sh("ip -6 route add 2001:db8:99::/48 dev d2 table 100") &&
                sh("ip -6 rule add from 2001:db8:2::1 table 100"));
    d1_ = ::if_nametoindex("d1");
    d2_ = ::if_nametoindex("d2");
    ASSERT_NE(d1_, 0u);
    ASSERT_NE(d2_, 0u);
    fd_ = open_route_socket();
    ASSERT_TRUE(fd_.valid());
  }
  uint32_t d1_ = 0, d2_ = 0;
  FileDescriptor fd_;
};

TEST_F(RouteInterface, Ipv4_AsTheSourceAddressIsRouted) {
  EXPECT_EQ(route_interface(fd_.get(), AF_INET, v4("198.19.0.5"), v4("198.18.1.1"), 1), d1_);
  EXPECT_EQ(route_interface(fd_.get(), AF_INET, v4("198.19.0.5"), v4("198.18.2.1"), 2), d2_);
  EXPECT_EQ(route_interface(fd_.get(), AF_INET, v4("198.18.2.7"), v4("198.18.1.1"), 3), d2_);
}

TEST_F(RouteInterface, Ipv6_AsTheSourceAddressIsRouted) {
  EXPECT_EQ(route_interface(fd_.get(), AF_INET6, v6("2001:db8:99::5"), v6("2001:db8:1::1"), 1),
            d1_);
  EXPECT_EQ(route_interface(fd_.get(), AF_INET6, v6("2001:db8:99::5"), v6("2001:db8:2::1"), 2),
            d2_);
}

TEST_F(RouteInterface, NoRoute_OrASourceNotTheHosts_IsNone) {
  EXPECT_EQ(route_interface(fd_.get(), AF_INET, v4("203.0.113.1"), v4("198.18.1.1"), 1), 0u);
  EXPECT_EQ(route_interface(fd_.get(), AF_INET, v4("198.19.0.5"), v4("198.18.9.9"), 2), 0u);
  EXPECT_EQ(route_interface(fd_.get(), AF_INET6, v6("2001:db8:77::1"), v6("2001:db8:1::1"), 3), 0u);
  // Addresses of the wrong length for the family: no request at all.
  EXPECT_EQ(route_interface(fd_.get(), AF_INET6, v4("198.19.0.5"), v4("198.18.1.1"), 4), 0u);
  // The socket still answers in step after the errors.
  EXPECT_EQ(route_interface(fd_.get(), AF_INET, v4("198.19.0.5"), v4("198.18.1.1"), 5), d1_);
}

// A LinkWatch on a loop of the test's own, made once the links are there.
class LinkWatchRoutes : public RouteInterface {
 protected:
  void SetUp() override {
    RouteInterface::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(base_);
    watch_ = LinkWatch::create(base_.get(), {.changed = [](const LinkMessage&) {},
                                             .gone = [](int) {},
                                             .lost = [] {},
                                             .routes = [this] { ++routes_; }});
    ASSERT_TRUE(watch_);
  }

  // Whether the watch says the routes changed after `command`, within 2 s.
  bool routes_change_after(const std::string& command) {
    const int before = routes_;
    if (!sh(command)) return false;
    for (int i = 0; i < 200 && routes_ == before; ++i) {
      event_base_loop(base_.get(), EVLOOP_NONBLOCK);
      if (routes_ == before) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return routes_ != before;
  }

  EventBasePtr base_{event_base_new()};
  std::unique_ptr<LinkWatch> watch_;
  int routes_ = 0;
};

TEST_F(LinkWatchRoutes, ARouteAddedReplacedOrDeleted) {
  EXPECT_TRUE(routes_change_after("ip route add 198.20.0.0/16 dev d1"));
  EXPECT_TRUE(routes_change_after("ip route replace 198.20.0.0/16 dev d2"));
  EXPECT_TRUE(routes_change_after("ip route del 198.20.0.0/16"));
  EXPECT_TRUE(routes_change_after("ip -6 route add 2001:db8:98::/48 dev d1"));
  EXPECT_TRUE(routes_change_after("ip -6 route del 2001:db8:98::/48"));
}

// Policy routing decides too (route_interface asks from the source address).
TEST_F(LinkWatchRoutes, ARuleAddedOrDeleted) {
  EXPECT_TRUE(routes_change_after("ip rule add from 198.18.1.1 table 101"));
  EXPECT_TRUE(routes_change_after("ip rule del from 198.18.1.1 table 101"));
  EXPECT_TRUE(routes_change_after("ip -6 rule add from 2001:db8:1::1 table 101"));
}

// The watch joins no address group: an address comes and goes with its local route.
TEST_F(LinkWatchRoutes, AnAddressAddedOrDeleted_ThroughItsLocalRoute) {
  EXPECT_TRUE(routes_change_after("ip addr add 198.18.1.9/32 dev d1"));
  EXPECT_TRUE(routes_change_after("ip addr del 198.18.1.9/32 dev d1"));
  EXPECT_TRUE(routes_change_after("ip addr add 2001:db8:1::9/128 dev d1 nodad"));
  EXPECT_TRUE(routes_change_after("ip addr del 2001:db8:1::9/128 dev d1"));
}

// IPv4 says nothing of the routes a link down takes with it: the link's news says it.
TEST_F(LinkWatchRoutes, ALinkDownOrUp) {
  EXPECT_TRUE(routes_change_after("ip link set d1 down"));
  EXPECT_TRUE(routes_change_after("ip link set d1 up"));
}

}  // namespace
}  // namespace tern::test
