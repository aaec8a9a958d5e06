#include "base/socket_address.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "base/file_descriptor.h"
#include "tests/base/test_addresses.h"

namespace tern {
namespace {

using test::ip;

TEST(SocketAddress, Ipv4_RoundTripsThroughSockaddr) {
  const auto a = ip("192.0.2.7", 3478);
  const SockAddr sa = to_sockaddr(a);
  ASSERT_EQ(sa.length, sizeof(sockaddr_in));
  const auto* sin = reinterpret_cast<const sockaddr_in*>(sa.get());
  EXPECT_EQ(sin->sin_family, AF_INET);
  EXPECT_EQ(ntohs(sin->sin_port), 3478);
  EXPECT_EQ(ntohl(sin->sin_addr.s_addr), 0xC0000207u);
  EXPECT_EQ(from_sockaddr(sa), a);
}

TEST(SocketAddress, Ipv6_RoundTripsThroughSockaddr) {
  const auto a = ip("2001:db8::1", 65535);
  const SockAddr sa = to_sockaddr(a);
  ASSERT_EQ(sa.length, sizeof(sockaddr_in6));
  const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(sa.get());
  EXPECT_EQ(sin6->sin6_family, AF_INET6);
  EXPECT_EQ(ntohs(sin6->sin6_port), 65535);
  EXPECT_EQ(sin6->sin6_addr.s6_addr[0], 0x20);
  EXPECT_EQ(sin6->sin6_addr.s6_addr[15], 0x01);
  EXPECT_EQ(sin6->sin6_flowinfo, 0u);
  EXPECT_EQ(sin6->sin6_scope_id, 0u);
  EXPECT_EQ(from_sockaddr(sa), a);
}

TEST(SocketAddress, SocketDomain_FollowsTheFamily) {
  EXPECT_EQ(socket_domain(ip("127.0.0.1")), AF_INET);
  EXPECT_EQ(socket_domain(ip("::1")), AF_INET6);
  EXPECT_EQ(to_sockaddr(ip("::1")).family(), AF_INET6);
}

// A sockaddr the kernel cut short (msg_namelen, recvfrom's length) must not be read past
// that length: what lies beyond is a previous packet's address.
TEST(SocketAddress, Ipv4ShorterThanSockaddrIn_IsNullopt) {
  const SockAddr sa = to_sockaddr(ip("192.0.2.7", 1));
  EXPECT_FALSE(from_sockaddr(sa.get(), sizeof(sockaddr_in) - 1));
  EXPECT_TRUE(from_sockaddr(sa.get(), sizeof(sockaddr_in)));
}

TEST(SocketAddress, Ipv6ShorterThanSockaddrIn6_IsNullopt) {
  const SockAddr sa = to_sockaddr(ip("2001:db8::1", 1));
  // Long enough for an IPv4 address, not for this one.
  EXPECT_FALSE(from_sockaddr(sa.get(), sizeof(sockaddr_in)));
  EXPECT_FALSE(from_sockaddr(sa.get(), sizeof(sockaddr_in6) - 1));
  EXPECT_TRUE(from_sockaddr(sa.get(), sizeof(sockaddr_in6)));
}

TEST(SocketAddress, LengthTooShortForTheFamily_IsNullopt) {
  const SockAddr sa = to_sockaddr(ip("192.0.2.7", 1));
  EXPECT_FALSE(from_sockaddr(sa.get(), 0));
  EXPECT_FALSE(from_sockaddr(sa.get(), 1));
}

TEST(SocketAddress, OtherFamily_IsNullopt) {
  SockAddr sa;
  sa.storage.ss_family = AF_UNIX;
  sa.length = sizeof sa.storage;
  EXPECT_FALSE(from_sockaddr(sa));
  EXPECT_FALSE(from_sockaddr(sa.get()));
}

TEST(SocketAddress, ReceivedFrom_IsTheSender) {
  const auto loopback = ip("127.0.0.1");
  FileDescriptor a(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  FileDescriptor b(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  const SockAddr any = to_sockaddr(loopback);
  ASSERT_EQ(::bind(a.get(), any.get(), any.length), 0);
  ASSERT_EQ(::bind(b.get(), any.get(), any.length), 0);
  SockAddr a_at, b_at;
  a_at.length = b_at.length = sizeof a_at.storage;
  ASSERT_EQ(::getsockname(a.get(), a_at.get(), &a_at.length), 0);
  ASSERT_EQ(::getsockname(b.get(), b_at.get(), &b_at.length), 0);

  const char byte = 'x';
  ASSERT_EQ(::sendto(b.get(), &byte, 1, 0, a_at.get(), a_at.length), 1);
  SockAddr from;
  from.length = sizeof from.storage;
  char got = 0;
  ASSERT_EQ(::recvfrom(a.get(), &got, 1, 0, from.get(), &from.length), 1);
  EXPECT_EQ(from_sockaddr(from), from_sockaddr(b_at));
}

TEST(ParseIp, NumericForms_AreParsedAndOthersRefused) {
  EXPECT_EQ(parse_ip("10.1.2.3", 9), TransportAddress::v4({10, 1, 2, 3}, 9));
  EXPECT_EQ(parse_ip("::1")->family, Family::V6);
  EXPECT_FALSE(parse_ip("[::1]"));
  EXPECT_FALSE(parse_ip("localhost"));
  EXPECT_FALSE(parse_ip(""));
}

TEST(SocketAddress, ParseIpPort_TakesIpv4AndBracketedIpv6) {
  EXPECT_EQ(parse_ip_port("127.0.0.1:8080"), parse_ip("127.0.0.1", 8080));
  EXPECT_EQ(parse_ip_port("[::1]:65535"), parse_ip("::1", 65535));
}

TEST(SocketAddress, ParseIpPort_RefusesWhatIsNotIpAndPort) {
  for (const char* text :
       {"", "/run/tern/admin.sock", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
        "127.0.0.1:99999999999", "127.0.0.1:8x", "localhost:80", "[::1]"}) {
    EXPECT_FALSE(parse_ip_port(text)) << text;
  }
}

}  // namespace
}  // namespace tern
