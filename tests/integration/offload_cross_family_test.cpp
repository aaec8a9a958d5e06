// The kernel fast path (--offload, issue #16) across address families: a dual-stack
// allocation (RFC 8656 §3.3) gives an IPv4 client an IPv6 relayed address and an IPv6
// client an IPv4 one, and the program relays their channels too, with the IP header
// replaced. Between the test's namespaces (offload_fixture.h), whose veths compute full
// UDP checksums, so a checksum the program got wrong is dropped by the receiver: every
// byte intact both ways, the traffic the program's (tern_offloaded_packets_total) and
// counted as user space counts its own, handed straight to a veth's other end and routed
// out through tunnels; a datagram the longer IPv6 header would make too large for the
// link, and an IPv4 datagram without a UDP checksum (which IPv6 requires), left to user
// space, which relays them. Root only: skipped elsewhere.

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>

#include <gtest/gtest.h>

#include "base/socket_address.h"
#include "base/sockets.h"
#include "tests/integration/offload_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

IpVersion other(IpVersion v) {
  return v == IpVersion::V4 ? IpVersion::V6 : IpVersion::V4;
}

std::string client_family(const ::testing::TestParamInfo<IpVersion>& info) {
  return info.param == IpVersion::V4 ? "V4ClientV6Peer" : "V6ClientV4Peer";
}

// The parameter is the client's family; the relayed address and the peer are of the other.
class OffloadAcross : public Offload {
 protected:
  void SetUp() override {
    relay_version_ = other(GetParam());
    Offload::SetUp();
  }

  // Once the sweep counted everything relayed (`to_peer` and `to_client` packets), the
  // program's share of it.
  uint64_t offloaded_once_counted(uint64_t to_peer, uint64_t to_client, uint64_t at_least) {
    auto m = metrics_until([&](auto& m) {
      return m[kToPeer] == to_peer && m[kToClient] == to_client && m[kOffloaded] >= at_least;
    });
    EXPECT_EQ(m[kToPeer], to_peer);
    EXPECT_EQ(m[kToClient], to_client);
    return m[kOffloaded];
  }
};

class OffloadAcrossRouted : public OffloadAcross {
 protected:
  void SetUp() override {
    routed_ = true;
    OffloadAcross::SetUp();
  }
};

// An IPv6 client, an IPv4 peer: the peer's datagrams become IPv6.
class OffloadAcrossFromV4Peer : public OffloadAcross {};
// An IPv4 client, an IPv6 peer: the client's data becomes IPv6.
class OffloadAcrossFromV4Client : public OffloadAcross {};

TEST_P(OffloadAcross, EveryByteIntactBothWays_RelayedByTheProgram_AndCountedAsUserSpaceCounts) {
  ASSERT_NO_FATAL_FAILURE(start({}));
  EXPECT_NE(ternd_->log().find(kStraight + "vc0,vp0)"), std::string::npos) << ternd_->log();
  ASSERT_NO_FATAL_FAILURE(every_byte_intact_and_counted());
}

TEST_P(OffloadAcrossRouted,
       EveryByteIntactBothWays_RelayedByTheProgram_AndCountedAsUserSpaceCounts) {
  ASSERT_NO_FATAL_FAILURE(start({}));
  ASSERT_NO_FATAL_FAILURE(every_byte_intact_and_counted());
}

// Into IPv6 a datagram gains 20 bytes of IP header: the largest the link then carries is
// relayed by the program, one byte more goes to user space, which sends it (IPv6
// fragments it, as it would its own) and counts it. The other way the same sizes arrive
// too. 1500-byte links: to the peer, client's IPv4 ChannelData of 1452 bytes of data
// becomes 40 + 8 + 1452 = 1500; to the client, the IPv4 peer's 1448 bytes become
// 40 + 8 + 4 + 1448. The largest is what the IPv4 side's link carries.
TEST_P(OffloadAcross, TooLargeForTheLinkInIpv6_UserSpaceRelaysIt_AndItArrives) {
  ASSERT_NO_FATAL_FAILURE(start({}));
  ASSERT_NO_FATAL_FAILURE(bind_channel());
  // The first datagram from the client goes through user space (the way to the peer is
  // not learned yet): three of the four are the program's.
  for (unsigned i = 0; i < 2; ++i) ASSERT_NO_FATAL_FAILURE(round_trip(100, i * 2));
  const size_t fits = v6() ? 1448 : 1452, largest = v6() ? 1472 : 1468;
  unsigned seed = 10;
  for (size_t size : {fits, fits + 1, largest}) {
    ASSERT_NO_FATAL_FAILURE(up(size, seed++));
    ASSERT_NO_FATAL_FAILURE(down(size, seed++));
  }
  // Each way: the datagram that fits is the program's; fits + 1 and the largest are user
  // space's (into IPv6: the program's MTU check; out of IPv6: its sender fragments it).
  EXPECT_EQ(offloaded_once_counted(5, 5, 5), 5u) << ternd_->log();
}

// An IPv4 datagram may carry no UDP checksum (0); IPv6 requires one, and the program only
// updates the one there is. Such a datagram goes to user space, whose socket sends it
// with a checksum; the next with a checksum is the program's again.
TEST_P(OffloadAcrossFromV4Peer, APeersDatagramWithoutAChecksum_UserSpaceRelaysIt) {
  ASSERT_NO_FATAL_FAILURE(start({}));
  ASSERT_NO_FATAL_FAILURE(bind_channel());
  for (unsigned i = 0; i < 2; ++i) ASSERT_NO_FATAL_FAILURE(round_trip(100, i * 2));

  constexpr uint16_t kBare = kChannel + 1;
  FileDescriptor bare;
  TransportAddress from;
  {
    InNamespace in(peer_ns_);
    ASSERT_TRUE(in.ok());
    bare = FileDescriptor(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ASSERT_TRUE(bare.valid());
    const int yes = 1;
    ASSERT_EQ(::setsockopt(bare.get(), SOL_SOCKET, SO_NO_CHECK, &yes, sizeof yes), 0);
    const SockAddr sa = to_sockaddr(peer_ip());
    ASSERT_EQ(::bind(bare.get(), sa.get(), sa.length), 0);
    auto local = local_address(bare.get());
    ASSERT_TRUE(local) << local.error();
    from = *local;
  }
  ASSERT_TRUE(IsSuccess(client_->channel_bind(kBare, from)));
  const SockAddr to = to_sockaddr(relayed_);
  const auto send_and_receive = [&](unsigned seed) {
    const Bytes sent = data(200, seed);
    ASSERT_EQ(::sendto(bare.get(), sent.data(), sent.size(), 0, to.get(), to.length),
              static_cast<ssize_t>(sent.size()));
    auto got = client_->receive_data(3000ms);
    ASSERT_TRUE(got) << "to the client: " << to_string(got.error());
    EXPECT_EQ(got->channel, kBare);
    EXPECT_EQ(got->data, sent);
  };
  ASSERT_NO_FATAL_FAILURE(send_and_receive(20));
  const int no = 0;
  ASSERT_EQ(::setsockopt(bare.get(), SOL_SOCKET, SO_NO_CHECK, &no, sizeof no), 0);
  ASSERT_NO_FATAL_FAILURE(send_and_receive(21));
  // Three of the first four, then the second datagram with a checksum.
  EXPECT_EQ(offloaded_once_counted(2, 4, 4), 4u) << ternd_->log();
}

// The same from the client: ChannelData in a datagram without a checksum, from the
// client's own address and port (a raw socket beside its socket), goes to user space and
// reaches the peer; the client's next datagram is the program's.
TEST_P(OffloadAcrossFromV4Client, AClientsChannelDataWithoutAChecksum_UserSpaceRelaysIt) {
  ASSERT_NO_FATAL_FAILURE(start({}));
  ASSERT_NO_FATAL_FAILURE(bind_channel());
  for (unsigned i = 0; i < 2; ++i) ASSERT_NO_FATAL_FAILURE(round_trip(100, i * 2));

  const Bytes sent = data(200, 20);
  Bytes datagram(8 + 4 + sent.size());
  const auto put16 = [&](size_t at, size_t value) {
    datagram[at] = static_cast<uint8_t>(value >> 8);
    datagram[at + 1] = static_cast<uint8_t>(value);
  };
  put16(0, client_->local_address().port);
  put16(2, server_ip().port);
  put16(4, datagram.size());  // the checksum, at 6, stays 0
  put16(8, kChannel);
  put16(10, sent.size());
  std::copy(sent.begin(), sent.end(), datagram.begin() + 12);
  {
    InNamespace in(client_ns_);
    ASSERT_TRUE(in.ok());
    // The kernel writes the IP header, from the address the client's socket has.
    FileDescriptor raw(::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_UDP));
    ASSERT_TRUE(raw.valid());
    SockAddr to = to_sockaddr(server_ip());
    reinterpret_cast<sockaddr_in*>(to.get())->sin_port = 0;  // a raw socket's protocol
    ASSERT_EQ(::sendto(raw.get(), datagram.data(), datagram.size(), 0, to.get(), to.length),
              static_cast<ssize_t>(datagram.size()));
  }
  auto got = peer_->receive(3000ms);
  ASSERT_TRUE(got) << "to the peer: " << to_string(got.error());
  EXPECT_EQ(got->data, sent);
  EXPECT_EQ(got->from, relayed_);
  ASSERT_NO_FATAL_FAILURE(up(200, 21));
  // Three of the first four, then the client's datagram with a checksum.
  EXPECT_EQ(offloaded_once_counted(4, 2, 4), 4u) << ternd_->log();
}

INSTANTIATE_TEST_SUITE_P(ClientFamilies, OffloadAcross,
                         ::testing::Values(IpVersion::V4, IpVersion::V6), client_family);
INSTANTIATE_TEST_SUITE_P(ClientFamilies, OffloadAcrossRouted,
                         ::testing::Values(IpVersion::V4, IpVersion::V6), client_family);
INSTANTIATE_TEST_SUITE_P(ClientFamilies, OffloadAcrossFromV4Peer, ::testing::Values(IpVersion::V6),
                         client_family);
INSTANTIATE_TEST_SUITE_P(ClientFamilies, OffloadAcrossFromV4Client,
                         ::testing::Values(IpVersion::V4), client_family);

}  // namespace
}  // namespace tern::test
