// An allocation judged under its realm (sync_realm) and its peer → client admission
// (RFC 8656 §11.3, §12.6), without sockets: the frame is read back from the buffer.

#include "server/turn/allocation.h"

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "protocol/channel_data.h"
#include "protocol/message.h"
#include "protocol/stun_constants.h"
#include "protocol/xor_address.h"
#include "server/core/counters.h"
#include "tests/base/test_addresses.h"
#include "tests/server/shared/peer_policies.h"
#include "tests/server/turn/fake_stream.h"

namespace tern {
namespace {

using test::allowing;
using test::ip;

std::unique_ptr<Allocation> allocation() {
  return std::make_unique<Allocation>(FiveTuple{}, "alice", 1'000'000);
}

TEST(SyncRealm, NewlyDeniedPeer_LosesItsPermission_OthersStay) {
  RealmState state(allowing("10.0.0.0/8"), 0);
  WorkerCounters counters;
  auto a = allocation();
  a->sync_realm(*state.snapshot(), counters, 0);
  ASSERT_TRUE(a->install_permission(ip("10.0.0.1"), 10'000, 0, false));
  ASSERT_TRUE(a->install_permission(ip("8.8.8.8"), 10'000, 0, false));

  state.publish(allowing(nullptr), 0);
  a->sync_realm(*state.snapshot(), counters, 1);
  EXPECT_FALSE(a->has_permission(ip("10.0.0.1", 5000), 1));
  EXPECT_TRUE(a->has_permission(ip("8.8.8.8", 5000), 1));
  EXPECT_EQ(counters.permissions_revoked.get(), 1u);
  EXPECT_EQ(a->realm_generation(), 2u);
}

TEST(SyncRealm, SameGeneration_TouchesNothing) {
  RealmState state(allowing(nullptr), 0);
  WorkerCounters counters;
  auto a = allocation();
  a->set_realm_generation(1);
  // Installed without the policy's say: only a generation change would re-judge it.
  ASSERT_TRUE(a->install_permission(ip("10.0.0.1"), 10'000, 0, false));
  a->sync_realm(*state.snapshot(), counters, 1);
  EXPECT_TRUE(a->has_permission(ip("10.0.0.1"), 1));
  EXPECT_EQ(counters.permissions_revoked.get(), 0u);
}

TEST(SyncRealm, RedecidesPortSensitivity) {
  PeerPolicyConfig own;
  own.own_relay_ips = {ip("203.0.113.5")};
  RealmState state(PeerPolicy(own), 0);
  WorkerCounters counters;
  auto a = allocation();
  ASSERT_TRUE(a->install_permission(ip("203.0.113.5"), 10'000, 0, false));
  ASSERT_TRUE(a->install_permission(ip("8.8.8.8"), 10'000, 0, true));
  a->sync_realm(*state.snapshot(), counters, 0);
  EXPECT_TRUE(a->permission_for(ip("203.0.113.5"), 0)->port_sensitive);
  EXPECT_FALSE(a->permission_for(ip("8.8.8.8"), 0)->port_sensitive);
}

TEST(SyncRealm, TakesTheRealmsMaxBps_ForBothDirections) {
  RealmState state(allowing(nullptr), 0);
  WorkerCounters counters;
  auto a = allocation();
  a->sync_realm(*state.snapshot(), counters, 0);
  EXPECT_TRUE(a->to_peer_limit.unlimited());
  state.publish(allowing(nullptr), 20'000);
  a->sync_realm(*state.snapshot(), counters, 0);
  EXPECT_EQ(a->to_peer_limit.rate(), 20'000u);
  EXPECT_EQ(a->to_client_limit.rate(), 20'000u);
  EXPECT_TRUE(a->to_client_limit.try_take(65'535, 0));
  EXPECT_FALSE(a->to_client_limit.try_take(1, 0));
  EXPECT_TRUE(a->to_peer_limit.try_take(65'535, 0));  // a bucket of its own
}

// A datagram in a buffer with the headroom and tailroom a relay socket leaves.
struct Received {
  std::array<uint8_t, RelaySocket::kHeadroom + 64 + RelaySocket::kTailroom> buffer{};
  std::span<uint8_t> payload(std::string_view text) {
    auto* p = buffer.data() + RelaySocket::kHeadroom;
    std::copy(text.begin(), text.end(), p);
    return {p, text.size()};
  }
};

constexpr int64_t kLater = 10'000;

TEST(AdmitFromPeer, NoPermission_IsDropped_AndCounted) {
  WorkerCounters counters;
  FastRandom random;
  auto a = allocation();
  Received r;
  EXPECT_TRUE(
      a->admit_from_peer(ip("10.0.0.1", 5000), r.payload("hi"), 0, counters, random).empty());
  EXPECT_EQ(counters.peer_dropped_no_permission.get(), 1u);
  EXPECT_EQ(a->traffic.packets_to_client, 0u);
}

TEST(AdmitFromPeer, ExpiredPermission_IsDropped) {
  WorkerCounters counters;
  FastRandom random;
  auto a = allocation();
  ASSERT_TRUE(a->install_permission(ip("10.0.0.1"), kLater, 0, false));
  Received r;
  EXPECT_TRUE(
      a->admit_from_peer(ip("10.0.0.1", 5000), r.payload("hi"), kLater, counters, random).empty());
  EXPECT_EQ(counters.peer_dropped_no_permission.get(), 1u);
}

TEST(AdmitFromPeer, BoundChannel_FramesChannelDataInPlace_Unpadded_OverUdp) {
  WorkerCounters counters;
  FastRandom random;
  auto a = allocation();
  const TransportAddress peer = ip("10.0.0.1", 5000);
  ASSERT_TRUE(a->install_permission(peer, kLater, 0, false));
  ASSERT_EQ(a->bind_channel(0x4001, peer, kLater, kLater, 0), Allocation::BindResult::Ok);
  Received r;
  auto payload = r.payload("hello");
  auto frame = a->admit_from_peer(peer, payload, 0, counters, random);
  ASSERT_EQ(frame.size(), 4u + 5u);
  EXPECT_EQ(frame.data() + 4, payload.data());  // no copy
  auto cd = stun::parse_channel_data(frame);
  ASSERT_TRUE(cd);
  EXPECT_EQ(cd->channel, 0x4001);
  EXPECT_EQ(std::string(cd->data.begin(), cd->data.end()), "hello");
  EXPECT_EQ(a->traffic.packets_to_client, 1u);
  EXPECT_EQ(a->traffic.bytes_to_client, 5u);
  EXPECT_EQ(counters.relayed[static_cast<size_t>(Transport::Udp)].packets_to_client.get(), 1u);
  EXPECT_EQ(counters.relayed[static_cast<size_t>(Transport::Udp)].bytes_to_client.get(), 5u);
}

TEST(AdmitFromPeer, BoundChannel_IsPaddedToFour_OverStreams) {
  WorkerCounters counters;
  FastRandom random;
  test::FakeStream stream;
  auto a = std::make_unique<Allocation>(FiveTuple{}, "alice", 1'000'000,
                                        ClientLink{.udp_fd = -1, .stream = &stream});
  const TransportAddress peer = ip("10.0.0.1", 5000);
  ASSERT_TRUE(a->install_permission(peer, kLater, 0, false));
  ASSERT_EQ(a->bind_channel(0x4001, peer, kLater, kLater, 0), Allocation::BindResult::Ok);
  Received r;
  auto frame = a->admit_from_peer(peer, r.payload("hello"), 0, counters, random);
  ASSERT_EQ(frame.size(), 12u);
  EXPECT_EQ(frame[9], 0);
  EXPECT_EQ(frame[11], 0);
}

TEST(AdmitFromPeer, NoChannel_FramesADataIndicationWithThePeer) {
  WorkerCounters counters;
  FastRandom random;
  auto a = allocation();
  const TransportAddress peer = ip("2001:db8::7", 5000);
  ASSERT_TRUE(a->install_permission(peer, kLater, 0, false));
  Received r;
  auto frame = a->admit_from_peer(peer, r.payload("hello"), 0, counters, random);
  ASSERT_FALSE(frame.empty());
  EXPECT_GE(frame.data(), r.buffer.data());
  auto m = stun::MessageView::parse(frame);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->method(), stun::Method::Data);
  EXPECT_EQ(m->message_class(), stun::Class::Indication);
  auto from = stun::XorPeerAddress::get_from(*m);
  ASSERT_TRUE(from);
  EXPECT_EQ(from->address, peer);
  auto data = m->find(stun::attr::Data);
  ASSERT_TRUE(data);
  EXPECT_EQ(std::string(data->value.begin(), data->value.end()), "hello");
}

TEST(AdmitFromPeer, MaxBpsTowardsTheClientUsedUp_IsDropped_AndCounted) {
  RealmState state(allowing(nullptr), 8'000);
  WorkerCounters counters;
  FastRandom random;
  auto a = allocation();
  a->sync_realm(*state.snapshot(), counters, 0);
  const TransportAddress peer = ip("10.0.0.1", 5000);
  ASSERT_TRUE(a->install_permission(peer, kLater, 0, false));
  std::vector<uint8_t> big(RelaySocket::kHeadroom + 4000 + RelaySocket::kTailroom);
  std::span<uint8_t> payload(big.data() + RelaySocket::kHeadroom, 4000);
  size_t admitted = 0;
  for (int i = 0; i < 100; ++i) {
    if (!a->admit_from_peer(peer, payload, 0, counters, random).empty()) ++admitted;
  }
  EXPECT_LT(admitted, 100u);
  EXPECT_EQ(counters.bandwidth_dropped_to_client.get(), 100u - admitted);
  EXPECT_EQ(a->traffic.packets_to_client, admitted);
}

TEST(ClientLinkSend, StreamClient_GetsTheFrame) {
  WorkerCounters counters;
  Counter failures;
  DatagramQueue queue(failures);
  test::FakeStream stream;
  const ClientLink link{.udp_fd = -1, .stream = &stream};
  const std::array<uint8_t, 3> frame = {1, 2, 3};
  link.send(frame, SockAddr{}, queue, counters);
  ASSERT_EQ(stream.sent.size(), 1u);
  EXPECT_EQ(stream.sent[0], std::vector<uint8_t>(frame.begin(), frame.end()));
  EXPECT_EQ(queue.size(), 0u);
}

TEST(ClientLinkSend, UdpClient_IsQueuedForTheListeningSocket) {
  WorkerCounters counters;
  Counter failures;
  DatagramQueue queue(failures);
  queue.open();
  const ClientLink link{.udp_fd = 7};
  const std::array<uint8_t, 3> frame = {1, 2, 3};
  link.send(frame, to_sockaddr(ip("127.0.0.1", 5000)), queue, counters);
  EXPECT_EQ(queue.size(), 1u);
  queue.forget(7);  // never sent: fd 7 is not ours
}

}  // namespace
}  // namespace tern
