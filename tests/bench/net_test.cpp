#include "bench/net.h"

#include <gtest/gtest.h>

namespace tern::bench {
namespace {

TEST(Endpoint, Ipv4AndIpv6_RoundTrip) {
  EXPECT_EQ(to_string(*parse_endpoint("127.0.0.1:3478")), "127.0.0.1:3478");
  EXPECT_EQ(to_string(*parse_endpoint("[::1]:5349")), "[::1]:5349");
}

TEST(Endpoint, NamesBadPortsAndBareIpv6_AreRefused) {
  EXPECT_FALSE(parse_endpoint("localhost:3478"));
  EXPECT_FALSE(parse_endpoint("127.0.0.1"));
  EXPECT_FALSE(parse_endpoint("127.0.0.1:65536"));
  EXPECT_FALSE(parse_endpoint("127.0.0.1:-1"));
  EXPECT_FALSE(parse_endpoint("::1:3478"));
  EXPECT_FALSE(parse_endpoint("[::1]3478"));
}

TEST(Endpoint, TransportAddress_RoundTrip) {
  const auto a = TransportAddress::v4({10, 1, 2, 3}, 4000);
  EXPECT_EQ(to_transport_address(to_endpoint(a).storage), a);
}

TEST(FdLimit, RaisedToAtLeastWhatIsAskedWithinTheHardLimit) {
  EXPECT_GE(raise_fd_limit(1024), 1024);
}

}  // namespace
}  // namespace tern::bench
