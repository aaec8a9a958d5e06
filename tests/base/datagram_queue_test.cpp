// Client → peer datagrams of one receive batch leave together: one sendmmsg per run of the
// same relay socket, nothing sent for a socket that closed in between.
#include "base/datagram_queue.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "base/file_descriptor.h"
#include "base/icmp_errors.h"
#include "base/socket_address.h"
#include "base/sockets.h"
#include "tests/base/test_addresses.h"

namespace tern {
namespace {

struct Counters {
  Counter relay_send_failures, udp_send_failures, udp_datagrams_out;
};

FileDescriptor udp_socket() {
  FileDescriptor fd(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0));
  const SockAddr loopback = to_sockaddr(test::ip("127.0.0.1"));
  EXPECT_EQ(::bind(fd.get(), loopback.get(), loopback.length), 0);
  return fd;
}

SockAddr address_of(const FileDescriptor& fd) {
  const auto bound = local_address(fd.get());
  EXPECT_TRUE(bound) << bound.error();
  return bound ? to_sockaddr(*bound) : SockAddr{};
}

uint16_t port_of(const SockAddr& a) {
  const auto t = from_sockaddr(a);
  EXPECT_TRUE(t);
  return t ? t->port : 0;
}

struct Received {
  std::string data;
  uint16_t from_port;
};

std::vector<Received> drain(const FileDescriptor& fd) {
  std::vector<Received> out;
  char buf[2048];
  for (;;) {
    SockAddr from;
    from.length = sizeof from.storage;
    const ssize_t n = ::recvfrom(fd.get(), buf, sizeof buf, 0, from.get(), &from.length);
    if (n < 0) return out;
    out.push_back({std::string(buf, static_cast<size_t>(n)), port_of(from)});
  }
}

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(DatagramQueue, Closed_TellsTheCallerToSendItself) {
  Counters counters;
  DatagramQueue q{counters.relay_send_failures};
  auto a = udp_socket();
  const std::string x = "x";
  EXPECT_FALSE(q.send(a.get(), address_of(a), bytes(x)));
  q.open();
  EXPECT_TRUE(q.send(a.get(), address_of(a), bytes(x)));
  q.flush();
  EXPECT_FALSE(q.send(a.get(), address_of(a), bytes(x))) << "flush closes the queue";
}

// Grouped by socket (one sendmmsg each), each socket's datagrams in the order queued.
TEST(DatagramQueue, Flush_SendsEveryDatagramFromItsOwnSocket_OneCallPerSocket_InOrder) {
  auto a = udp_socket(), b = udp_socket(), peer = udp_socket();
  const SockAddr to = address_of(peer);
  const std::vector<std::string> payloads{"a1", "a2", "b1", "a3", "b2", "b3"};
  Counters counters;
  DatagramQueue q{counters.relay_send_failures};
  q.open();
  for (const auto& p : payloads) ASSERT_TRUE(q.send(p[0] == 'a' ? a.get() : b.get(), to, bytes(p)));
  q.flush();
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(counters.relay_send_failures.get(), 0u);
  const auto got = drain(peer);
  const std::vector<std::string> grouped{"a1", "a2", "a3", "b1", "b2", "b3"};
  ASSERT_EQ(got.size(), grouped.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].data, grouped[i]);
    const uint16_t expected = port_of(address_of(grouped[i][0] == 'a' ? a : b));
    EXPECT_EQ(got[i].from_port, expected) << got[i].data;
  }
}

TEST(DatagramQueue, Forget_DropsAClosingSocketsDatagrams_AndKeepsTheOthersIntact) {
  auto a = udp_socket(), b = udp_socket(), peer = udp_socket();
  const SockAddr to = address_of(peer);
  Counters counters;
  DatagramQueue q{counters.relay_send_failures};
  q.open();
  const std::vector<std::string> payloads{"a1", "b1", "a2", "b2", "b3"};
  for (const auto& p : payloads) ASSERT_TRUE(q.send(p[0] == 'a' ? a.get() : b.get(), to, bytes(p)));
  q.forget(a.get());
  EXPECT_EQ(q.size(), 3u);
  q.flush();
  const auto got = drain(peer);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].data, "b1");
  EXPECT_EQ(got[1].data, "b2");
  EXPECT_EQ(got[2].data, "b3");
}

TEST(DatagramQueue, Full_RefusesMore) {
  auto a = udp_socket();
  Counters counters;
  DatagramQueue q{counters.relay_send_failures};
  q.open();
  const std::string x = "x";
  for (size_t i = 0; i < DatagramQueue::kCapacity; ++i)
    ASSERT_TRUE(q.send(a.get(), address_of(a), bytes(x)));
  EXPECT_FALSE(q.send(a.get(), address_of(a), bytes(x)));
  q.flush();
}

TEST(DatagramQueue, ARefusingSocket_CountsItsDatagramsAsFailures) {
  auto peer = udp_socket();
  Counters counters;
  DatagramQueue q{counters.relay_send_failures};
  q.open();
  const std::string x = "x";
  ASSERT_TRUE(q.send(-1, address_of(peer), bytes(x)));  // not a socket: EBADF
  ASSERT_TRUE(q.send(-1, address_of(peer), bytes(x)));
  q.flush();
  EXPECT_EQ(counters.relay_send_failures.get(), 2u);
}

TEST(DatagramQueue, SendCopy_KeepsItsOwnCopy_AndFlushesWhenFull) {
  auto a = udp_socket(), peer = udp_socket();
  const SockAddr to = address_of(peer);
  Counters counters;
  DatagramQueue q{counters.udp_send_failures, &counters.udp_datagrams_out};
  std::string buffer;
  const size_t total = DatagramQueue::kCapacity + 3;
  for (size_t i = 0; i < total; ++i) {
    buffer = "datagram " + std::to_string(i);  // overwritten each time: the queue copied it
    ASSERT_TRUE(q.send_copy(a.get(), to, bytes(buffer)));
  }
  EXPECT_EQ(q.size(), 3u) << "the first kCapacity left when the queue filled";
  std::vector<Received> got = drain(peer);
  EXPECT_EQ(got.size(), DatagramQueue::kCapacity);
  q.flush();
  for (auto& r : drain(peer)) got.push_back(std::move(r));
  ASSERT_EQ(got.size(), total);
  for (size_t i = 0; i < total; ++i) EXPECT_EQ(got[i].data, "datagram " + std::to_string(i));
  EXPECT_EQ(counters.udp_datagrams_out.get(), total);
  EXPECT_FALSE(q.send_copy(a.get(), to, std::vector<uint8_t>(DatagramQueue::kCopySize + 1)))
      << "too large to copy: the caller sends it";
}

TEST(DatagramQueue, ForgetAmongCopies_KeepsTheOthersBytes) {
  auto a = udp_socket(), b = udp_socket(), peer = udp_socket();
  const SockAddr to = address_of(peer);
  Counters counters;
  DatagramQueue q{counters.udp_send_failures};
  for (std::string p : {"a1", "b1", "a2", "b2"}) {
    ASSERT_TRUE(q.send_copy(p[0] == 'a' ? a.get() : b.get(), to, bytes(p)));
  }
  q.forget(a.get());
  q.flush();
  const auto got = drain(peer);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].data, "b1");
  EXPECT_EQ(got[1].data, "b2");
}

// With IP_RECVERR (relay sockets) an ICMP error for an earlier datagram fails the next
// send once; the queue sends again rather than losing a batch to someone else's error.
TEST(DatagramQueue, Flush_AfterAnEarlierDatagramsIcmpError_StillSends) {
  auto a = udp_socket(), peer = udp_socket();
  ASSERT_TRUE(enable_icmp_reports(a.get(), Family::V4));
  SockAddr closed;
  {
    auto gone = udp_socket();
    closed = address_of(gone);
  }
  ASSERT_EQ(::sendto(a.get(), "x", 1, 0, closed.get(), closed.length), 1);
  pollfd p{a.get(), 0, 0};
  ASSERT_EQ(::poll(&p, 1, 2000), 1);  // POLLERR: the port unreachable is pending
  Counters counters;
  DatagramQueue q{counters.relay_send_failures};
  q.open();
  const std::string x = "after";
  ASSERT_TRUE(q.send(a.get(), address_of(peer), bytes(x)));
  EXPECT_EQ(q.flush(), 1u);
  EXPECT_EQ(counters.relay_send_failures.get(), 0u);
  const auto got = drain(peer);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].data, "after");
}

}  // namespace
}  // namespace tern
