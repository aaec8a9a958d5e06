// TransportAddress equality and hashing: the keys of every lookup on the packet path.
#include "protocol/transport_address.h"

#include <gtest/gtest.h>

#include <set>

namespace tern {
namespace {

const TransportAddress kV4 = TransportAddress::v4({192, 0, 2, 1}, 3478);
const TransportAddress kV6 =
    TransportAddress::v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 3478);

TEST(TransportAddress, EqualOnlyWhenFamilyIpAndPortAllMatch) {
  EXPECT_EQ(kV4, TransportAddress::v4({192, 0, 2, 1}, 3478));
  EXPECT_NE(kV4, TransportAddress::v4({192, 0, 2, 1}, 3479));
  EXPECT_NE(kV4, TransportAddress::v4({192, 0, 2, 2}, 3478));
  EXPECT_NE(kV4, TransportAddress::v4({193, 0, 2, 1}, 3478));
  EXPECT_EQ(kV6, kV6);
  TransportAddress last_byte = kV6;
  last_byte.ip[15] ^= 1;
  EXPECT_NE(kV6, last_byte);
  TransportAddress first_word = kV6;
  first_word.ip[7] ^= 0x80;
  EXPECT_NE(kV6, first_word);
  // The same bytes under the other family are another address.
  TransportAddress as_v6 = kV4;
  as_v6.family = Family::V6;
  EXPECT_NE(kV4, as_v6);
}

TEST(TransportAddress, SameIp_IgnoresThePortOnly) {
  EXPECT_TRUE(same_ip(kV4, TransportAddress::v4({192, 0, 2, 1}, 1)));
  EXPECT_FALSE(same_ip(kV4, TransportAddress::v4({192, 0, 2, 2}, 3478)));
  TransportAddress as_v6 = kV4;
  as_v6.family = Family::V6;
  EXPECT_FALSE(same_ip(kV4, as_v6));
  TransportAddress last_byte = kV6;
  last_byte.ip[15] ^= 1;
  EXPECT_FALSE(same_ip(kV6, last_byte));
}

TEST(TransportAddress, UnspecifiedAndLoopback) {
  EXPECT_TRUE(is_unspecified(TransportAddress::v4({0, 0, 0, 0}, 5)));
  EXPECT_TRUE(is_unspecified(TransportAddress::v6({}, 5)));
  EXPECT_FALSE(is_unspecified(kV4));
  EXPECT_FALSE(is_unspecified(kV6));
  EXPECT_TRUE(is_loopback(TransportAddress::v4({127, 0, 0, 1}, 0)));
  EXPECT_TRUE(is_loopback(TransportAddress::v4({127, 9, 8, 7}, 0)));
  EXPECT_TRUE(
      is_loopback(TransportAddress::v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 0)));
  EXPECT_FALSE(is_loopback(kV4));
  EXPECT_FALSE(is_loopback(kV6));
  // ::ffff:127.0.0.1 is the peer policy's business (it unwraps mapped forms), not this.
  EXPECT_FALSE(is_loopback(
      TransportAddress::v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1}, 0)));
}

TEST(TransportAddress, OrderingAgreesWithEquality) {
  EXPECT_EQ(kV4 <=> TransportAddress::v4({192, 0, 2, 1}, 3478), std::strong_ordering::equal);
  EXPECT_LT(TransportAddress::v4({192, 0, 2, 1}, 1), TransportAddress::v4({192, 0, 2, 1}, 2));
}

TEST(TransportAddress, HashSpreadsNeighbouringAddresses) {
  // 256 hosts × 64 ports of one subnet: the low bits a hash map uses must differ.
  std::set<uint64_t> low_bits;
  for (int host = 0; host < 256; ++host) {
    for (uint16_t port = 50000; port < 50064; ++port) {
      const auto a = TransportAddress::v4({10, 0, 0, static_cast<uint8_t>(host)}, port);
      low_bits.insert(hash_address(0, a) & 0xFFFF);
    }
  }
  EXPECT_GT(low_bits.size(), 16384u * 8 / 10);  // close to 16,384 distinct of 65,536
  EXPECT_NE(hash_address(0, kV4), hash_address(1, kV4));
}

}  // namespace
}  // namespace tern
