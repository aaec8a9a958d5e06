#include "bench/net.h"

#include <gtest/gtest.h>

#include "base/sockets.h"

namespace tern::bench {
namespace {

TEST(ParseEndpoint, Ipv4AndIpv6_RoundTrip) {
  EXPECT_EQ(parse_endpoint("127.0.0.1:3478")->to_string(), "127.0.0.1:3478");
  EXPECT_EQ(parse_endpoint("[::1]:5349")->to_string(), "[::1]:5349");
}

TEST(ParseEndpoint, PortZero_MeansAny) {
  EXPECT_EQ(parse_endpoint("127.0.0.1:0"), TransportAddress::v4({127, 0, 0, 1}, 0));
}

TEST(ParseEndpoint, NamesBadPortsAndBareIpv6_AreRefused) {
  EXPECT_FALSE(parse_endpoint("localhost:3478"));
  EXPECT_FALSE(parse_endpoint("127.0.0.1"));
  EXPECT_FALSE(parse_endpoint("127.0.0.1:65536"));
  EXPECT_FALSE(parse_endpoint("127.0.0.1:-1"));
  EXPECT_FALSE(parse_endpoint("::1:3478"));
  EXPECT_FALSE(parse_endpoint("[::1]3478"));
}

TEST(BenchSockets, BoundSocket_HasTheAddressAsked) {
  const auto at = TransportAddress::v4({127, 0, 0, 1}, 0);
  FileDescriptor fd = open_udp_bound(at);
  ASSERT_TRUE(fd.valid());
  const auto bound = local_address(fd.get());
  ASSERT_TRUE(bound);
  EXPECT_TRUE(same_ip(*bound, at));
  EXPECT_NE(bound->port, 0);
}

TEST(BenchSockets, RandomLoopbackSource_IsIpv4LoopbackButNot127001) {
  const auto a = random_loopback_source();
  EXPECT_TRUE(is_ipv4_loopback(a));
  EXPECT_NE(a.ip_string(), "127.0.0.1");
}

TEST(FdLimit, RaisedToAtLeastWhatIsAskedWithinTheHardLimit) {
  EXPECT_GE(raise_fd_limit(1024), 1024);
}

}  // namespace
}  // namespace tern::bench
