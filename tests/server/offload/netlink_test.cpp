// route_interface: the interface the kernel routes a packet from a source address by, as
// the offload's control plane asks it for a route's client and peer (#16), policy routing
// by source included. In a network namespace of the test's own with two veths (this kernel has no
// dummy links); root only: skipped elsewhere.

#include "server/offload/netlink.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <string>

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

}  // namespace
}  // namespace tern::test
