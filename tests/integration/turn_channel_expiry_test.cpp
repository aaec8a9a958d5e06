// Channel expiry against a real ternd (RFC 8656 §12): with --channel-lifetime 2, a binding
// nobody refreshes ends. Its ChannelData is then dropped; the peer's data still comes back,
// as a Data indication (the ChannelBind installed a permission that outlives the channel);
// and for the 5-minute reuse guard of §12.2 tern keeps the expired number/peer pair, so the
// number cannot go to another peer nor the peer to another number, while binding the same
// pair again revives the channel.

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <string>
#include <thread>

#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr uint16_t kChannel = 0x4000;
constexpr auto kChannelLifetime = 2s;
// Far past the lifetime: slack for a loaded CI machine, where ternd waits for a core.
constexpr auto kExpiryBound = 20s;

class TurnChannelExpiryTest : public TurnTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(start({.extra = {"--channel-lifetime", "2"}}));
    client_ = allocated(Transport::Udp, IpVersion::V4);
    peer_ = peer(IpVersion::V4);
    ASSERT_TRUE(client_ && peer_);
    bound_at_ = Clock::now();
    ASSERT_TRUE(IsSuccess(client_->channel_bind(kChannel, peer_->address())));
  }

  // Whether ChannelData on kChannel still reaches the peer. A Send indication follows it
  // on the same socket (the permission outlives the channel), so the first datagram at
  // the peer answers without waiting out a silence: the probe, or only the marker.
  ::testing::AssertionResult channel_delivers(int round) {
    const std::string probe = "probe " + std::to_string(round);
    const std::string marker = "marker " + std::to_string(round);
    if (!client_->send_channel_data(kChannel, payload(probe)) ||
        !client_->send_indication(peer_->address(), payload(marker))) {
      return ::testing::AssertionFailure() << "cannot send round " << round;
    }
    auto first = peer_->receive();
    if (!first) {
      return ::testing::AssertionFailure()
             << "round " << round << ": the peer got nothing: " << to_string(first.error());
    }
    if (text_of(first->data) == marker) return ::testing::AssertionFailure() << "expired";
    if (text_of(first->data) != probe) {
      return ::testing::AssertionFailure()
             << "round " << round << ": unexpected \"" << text_of(first->data) << "\"";
    }
    auto second = peer_->receive();
    if (!second || text_of(second->data) != marker) {
      return ::testing::AssertionFailure() << "round " << round << ": the marker was lost";
    }
    return ::testing::AssertionSuccess();
  }

  // Probes until the channel stops delivering; fails past kExpiryBound. Returns how long
  // after the ChannelBind was sent that was seen.
  std::chrono::milliseconds wait_for_expiry() {
    for (int round = 0;; ++round) {
      const auto r = channel_delivers(round);
      if (!r) {
        EXPECT_STREQ(r.message(), "expired");
        break;
      }
      if (Clock::now() - bound_at_ > kExpiryBound) {
        ADD_FAILURE() << "the channel still delivers " << kExpiryBound.count() << " s after the "
                      << "bind\n"
                      << ternd().diagnostics();
        break;
      }
      std::this_thread::sleep_for(100ms);
    }
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - bound_at_);
    std::cout << "[ expiry ] channel gone " << elapsed.count() << " ms after the ChannelBind\n";
    return elapsed;
  }

  std::optional<TurnClient> client_;
  std::optional<UdpPeer> peer_;
  Clock::time_point bound_at_;
};

TEST_F(TurnChannelExpiryTest, ChannelData_AfterTheLifetime_IsDropped_AndCounted) {
  const auto elapsed = wait_for_expiry();
  // Not before the lifetime: ternd set the expiry after the request was sent.
  EXPECT_GE(elapsed, kChannelLifetime - 100ms) << "the channel expired early";
  auto counters = stop_and_count();
  EXPECT_EQ(counters["dropped_unbound_channel"], 1u) << "only the one probe that was dropped";
}

TEST_F(TurnChannelExpiryTest, PeerData_AfterTheLifetime_ComesBackAsDataIndication) {
  const TransportAddress relayed = client_->relayed(Family::V4);
  ASSERT_TRUE(peer_->send_to(relayed, payload("while bound")));
  auto bound = client_->receive_data();
  ASSERT_TRUE(bound) << to_string(bound.error());
  EXPECT_EQ(bound->kind, Relayed::Kind::ChannelData) << to_string(bound->kind);

  wait_for_expiry();
  ASSERT_TRUE(peer_->send_to(relayed, payload("after expiry")));
  auto got = client_->receive_data();
  ASSERT_TRUE(got) << to_string(got.error());
  EXPECT_EQ(got->kind, Relayed::Kind::DataIndication) << to_string(got->kind);
  EXPECT_EQ(got->peer, peer_->address());
  EXPECT_EQ(text_of(got->data), "after expiry");
}

TEST_F(TurnChannelExpiryTest, AfterTheLifetime_NumberToAnotherPeer_AndPeerToAnotherNumber_Are400) {
  auto other = peer(IpVersion::V4);
  ASSERT_TRUE(other);
  wait_for_expiry();
  // RFC 8656 §12.2: neither may be rebound elsewhere for 5 minutes after expiry.
  EXPECT_TRUE(IsError(client_->channel_bind(kChannel, other->address()), 400));
  EXPECT_TRUE(IsError(client_->channel_bind(kChannel + 1, peer_->address()), 400));
  // Neither number nor peer of that pair is involved here.
  EXPECT_TRUE(IsSuccess(client_->channel_bind(kChannel + 2, other->address())));
}

TEST_F(TurnChannelExpiryTest, AfterTheLifetime_SameNumberSamePeer_BindsAgain_AndRelaysBothWays) {
  wait_for_expiry();
  ASSERT_TRUE(IsSuccess(client_->channel_bind(kChannel, peer_->address())));

  ASSERT_TRUE(client_->send_channel_data(kChannel, payload("bound again")));
  auto at_peer = peer_->receive();
  ASSERT_TRUE(at_peer) << to_string(at_peer.error());
  EXPECT_EQ(text_of(at_peer->data), "bound again");
  ASSERT_TRUE(peer_->send_to(client_->relayed(Family::V4), payload("back on the channel")));
  auto got = client_->receive_data();
  ASSERT_TRUE(got) << to_string(got.error());
  EXPECT_EQ(got->kind, Relayed::Kind::ChannelData) << to_string(got->kind);
  EXPECT_EQ(got->channel, kChannel);
  EXPECT_EQ(text_of(got->data), "back on the channel");
}

}  // namespace
}  // namespace tern::test
