// ICMP errors from a UDP socket's error queue (IP_RECVERR / IPV6_RECVERR), on loopback:
// a datagram to a port nobody listens on earns "port unreachable".
#include "base/icmp_errors.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>

#include "base/file_descriptor.h"
#include "base/socket_address.h"
#include "base/sockets.h"
#include "tests/base/test_addresses.h"

namespace tern {
namespace {

FileDescriptor udp_socket(const char* ip) {
  const TransportAddress at = test::ip(ip);
  FileDescriptor fd(::socket(socket_domain(at), SOCK_DGRAM | SOCK_NONBLOCK, 0));
  const SockAddr a = to_sockaddr(at);
  if (::bind(fd.get(), a.get(), a.length) != 0) return FileDescriptor(-1);
  return fd;
}

// A port that was just bound and closed again: nothing listens there.
TransportAddress closed_port(const char* ip) {
  auto fd = udp_socket(ip);
  auto bound = local_address(fd.get());
  EXPECT_TRUE(bound);
  return bound ? *bound : TransportAddress{};
}

// Waits (bounded) until the socket reports an error, as epoll's EPOLLERR would.
bool error_pending(int fd) {
  pollfd p{fd, 0, 0};
  return ::poll(&p, 1, 2000) == 1 && (p.revents & POLLERR) != 0;
}

size_t send_and_read(const char* ip, std::array<IcmpReport, 4>& reports, TransportAddress& to) {
  auto fd = udp_socket(ip);
  if (fd.get() < 0) return 0;
  EXPECT_TRUE(enable_icmp_reports(fd.get(), test::ip(ip).family));
  to = closed_port(ip);
  const SockAddr dest = to_sockaddr(to);
  EXPECT_EQ(::sendto(fd.get(), "x", 1, 0, dest.get(), dest.length), 1);
  EXPECT_TRUE(error_pending(fd.get()));
  return read_icmp_reports(fd.get(), reports);
}

TEST(IcmpErrors, V4PortWithoutListener_IsType3Code3ForThatDestination) {
  std::array<IcmpReport, 4> reports;
  TransportAddress to;
  ASSERT_EQ(send_and_read("127.0.0.1", reports, to), 1u);
  EXPECT_FALSE(reports[0].icmpv6);
  EXPECT_EQ(reports[0].type, 3);
  EXPECT_EQ(reports[0].code, 3);
  EXPECT_EQ(reports[0].destination, to);
}

TEST(IcmpErrors, V6PortWithoutListener_IsType1Code4ForThatDestination) {
  if (udp_socket("::1").get() < 0) GTEST_SKIP() << "no IPv6 loopback here";
  std::array<IcmpReport, 4> reports;
  TransportAddress to;
  ASSERT_EQ(send_and_read("::1", reports, to), 1u);
  EXPECT_TRUE(reports[0].icmpv6);
  EXPECT_EQ(reports[0].type, 1);
  EXPECT_EQ(reports[0].code, 4);
  EXPECT_EQ(reports[0].destination, to);
}

TEST(IcmpErrors, EmptyQueue_ReadsNothing) {
  auto fd = udp_socket("127.0.0.1");
  ASSERT_TRUE(enable_icmp_reports(fd.get(), Family::V4));
  std::array<IcmpReport, 4> reports;
  EXPECT_EQ(read_icmp_reports(fd.get(), reports), 0u);
}

TEST(IcmpErrors, ReportedOnTheNextSend_IsAnIcmpError_NotAFullBuffer) {
  EXPECT_TRUE(is_reported_icmp_error(ECONNREFUSED));
  EXPECT_TRUE(is_reported_icmp_error(EHOSTUNREACH));
  EXPECT_FALSE(is_reported_icmp_error(EAGAIN));
  EXPECT_FALSE(is_reported_icmp_error(ENOBUFS));
}

}  // namespace
}  // namespace tern
