// One recvmmsg fills a worker's receive slots for the UDP listener (payload at the slot's
// start) and for relay sockets (room left around it to frame in place); each datagram is
// handed out with its sender, or skipped when cut short or from a name it cannot trust.
#include "base/udp_batch.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <memory>
#include <string>
#include <vector>

#include "base/file_descriptor.h"
#include "base/socket_address.h"
#include "base/sockets.h"
#include "tests/base/test_addresses.h"

namespace tern {
namespace {

constexpr size_t kHeadroom = 48;
constexpr size_t kTailroom = 4;

FileDescriptor bound_udp(const TransportAddress& at) {
  FileDescriptor fd(::socket(socket_domain(at), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  const SockAddr sa = to_sockaddr(at);
  if (!fd.valid() || ::bind(fd.get(), sa.get(), sa.length) != 0) return FileDescriptor();
  return fd;
}

TransportAddress address_of(const FileDescriptor& fd) {
  const auto bound = local_address(fd.get());
  EXPECT_TRUE(bound) << bound.error();
  return bound ? *bound : TransportAddress{};
}

void send(const FileDescriptor& from, const FileDescriptor& to, const std::string& payload) {
  const SockAddr sa = to_sockaddr(address_of(to));
  ASSERT_EQ(::sendto(from.get(), payload.data(), payload.size(), 0, sa.get(), sa.length),
            static_cast<ssize_t>(payload.size()));
}

// Loopback delivers before sendto returns on Linux; the wait only bounds a surprise.
void wait_readable(const FileDescriptor& fd) {
  pollfd p{fd.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 5000), 1) << "nothing arrived";
}

std::string text(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

class UdpBatchTest : public ::testing::Test {
 protected:
  struct {
    Counter dropped_truncated, relay_send_failures, udp_send_failures, udp_datagrams_out;
  } counters;
  std::unique_ptr<UdpBatch> batch = std::make_unique<UdpBatch>(  // too large for a stack
      UdpBatchCounters{counters.dropped_truncated, counters.relay_send_failures,
                       counters.udp_send_failures, counters.udp_datagrams_out});
  FileDescriptor receiver = bound_udp(test::ip("127.0.0.1"));
  FileDescriptor sender = bound_udp(test::ip("127.0.0.1"));
};

TEST_F(UdpBatchTest, Receive_HandsOutEveryWaitingDatagram_WithItsSender_InOrder) {
  const std::vector<std::string> sent{"first", "second", "third"};
  for (const auto& p : sent) send(sender, receiver, p);
  wait_readable(receiver);
  ASSERT_EQ(batch->receive(receiver.get()), sent.size());
  for (size_t i = 0; i < sent.size(); ++i) {
    const auto d = batch->datagram(i);
    ASSERT_TRUE(d) << i;
    EXPECT_EQ(text(d->payload), sent[i]);
    EXPECT_EQ(d->payload.data(), batch->in[i].data.data()) << "no headroom asked for";
    EXPECT_EQ(d->from, address_of(sender));
  }
}

TEST_F(UdpBatchTest, Receive_NothingWaiting_IsZero) {
  EXPECT_EQ(batch->receive(receiver.get()), 0u);
  EXPECT_EQ(batch->receive(-1), 0u) << "an error reads as nothing received";
}

TEST_F(UdpBatchTest, Receive_TakesAtMostABatch_AndLeavesTheRestForTheNextCall) {
  for (size_t i = 0; i <= UdpBatch::kPackets; ++i) send(sender, receiver, std::to_string(i));
  wait_readable(receiver);
  ASSERT_EQ(batch->receive(receiver.get()), UdpBatch::kPackets);
  ASSERT_EQ(batch->receive(receiver.get()), 1u);
  EXPECT_EQ(text(batch->datagram(0)->payload), std::to_string(UdpBatch::kPackets));
}

TEST_F(UdpBatchTest, Receive_PutsThePayloadAfterTheHeadroom) {
  send(sender, receiver, "relayed");
  wait_readable(receiver);
  ASSERT_EQ(batch->receive(receiver.get(), kHeadroom, kTailroom), 1u);
  const auto d = batch->datagram(0);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->payload.data(), batch->in[0].data.data() + kHeadroom);
  EXPECT_EQ(text(d->payload), "relayed");
}

TEST_F(UdpBatchTest, DatagramLargerThanTheRoomBetweenHeadroomAndTailroom_IsSkippedAndCounted) {
  const size_t room = UdpBatch::kSlotSize - kHeadroom - kTailroom;
  send(sender, receiver, std::string(room, 'a'));
  send(sender, receiver, std::string(room + 1, 'b'));
  wait_readable(receiver);
  ASSERT_EQ(batch->receive(receiver.get(), kHeadroom, kTailroom), 2u);
  const auto fits = batch->datagram(0);
  ASSERT_TRUE(fits);
  EXPECT_EQ(fits->payload.size(), room);
  EXPECT_FALSE(batch->datagram(1));
  EXPECT_EQ(counters.dropped_truncated.get(), 1u);
}

// What lies past the length the kernel gave is an earlier packet's address.
TEST_F(UdpBatchTest, Datagram_SenderNameShorterThanItsFamilys_IsSkippedUncounted) {
  send(sender, receiver, "x");
  wait_readable(receiver);
  ASSERT_EQ(batch->receive(receiver.get()), 1u);
  batch->in_headers[0].msg_hdr.msg_namelen = sizeof(sockaddr_in) - 1;
  EXPECT_FALSE(batch->datagram(0));
  EXPECT_EQ(counters.dropped_truncated.get(), 0u);
}

// The slots are shared by a worker's listeners and relay sockets: one call's headroom
// and one sender's name length must not shape the next call's.
TEST_F(UdpBatchTest, Receive_AfterARelayBatchFromIpv4_ReadsAWholeIpv6NameAtTheSlotStart) {
  FileDescriptor receiver6 = bound_udp(test::ip("::1"));
  FileDescriptor sender6 = bound_udp(test::ip("::1"));
  if (!receiver6.valid() || !sender6.valid()) GTEST_SKIP() << "::1 cannot be bound here";
  send(sender, receiver, "v4");
  wait_readable(receiver);
  ASSERT_EQ(batch->receive(receiver.get(), kHeadroom, kTailroom), 1u);
  ASSERT_EQ(batch->in_headers[0].msg_hdr.msg_namelen, sizeof(sockaddr_in));

  send(sender6, receiver6, "v6");
  wait_readable(receiver6);
  ASSERT_EQ(batch->receive(receiver6.get()), 1u);
  const auto d = batch->datagram(0);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->from, address_of(sender6));
  EXPECT_EQ(d->payload.data(), batch->in[0].data.data());
  EXPECT_EQ(text(d->payload), "v6");
}

}  // namespace
}  // namespace tern
