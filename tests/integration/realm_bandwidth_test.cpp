// --max-bps: a cap per allocation on each direction on its own (coturn's meaning), with a
// burst of about one second's worth (at least one 64 KB packet). A burst of 100 KB sent in
// well under a second at 20000 bytes/s arrives in part, the rest dropped and counted; the
// same burst at a modest pace without a cap arrives whole.

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "tests/support/relay_burst.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

constexpr uint16_t kChannel = 0x4000;

// `burst()` until one arrives whole, five tries at most; the last result. Without a cap
// ternd drops nothing, but a 100 KB burst nearly fills a test socket's default buffer,
// which overflows when the thread reading it waits for a core on a loaded machine. A cap
// would cut every try short, and ternd's counters say whether it dropped anything.
template <typename F>
BurstResult first_whole(F burst) {
  BurstResult r;
  for (int attempt = 1; attempt <= 5; ++attempt) {
    r = burst();
    if (r.received_bytes == r.sent_bytes) break;
    std::cout << "[ bps    ] try " << attempt << ": " << r.received_bytes << " of " << r.sent_bytes
              << " bytes\n";
  }
  return r;
}

class RealmBandwidthTest : public TurnTest {
 protected:
  // A client with a channel to a loopback peer.
  void set_up(const std::vector<std::string>& extra) {
    ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false, .extra = extra}));
    client_ = allocated(Transport::Udp, IpVersion::V4);
    peer_ = peer(IpVersion::V4);
    ASSERT_TRUE(client_ && peer_);
    ASSERT_TRUE(IsSuccess(client_->channel_bind(kChannel, peer_->address())));
  }

  static void print(const char* what, const BurstResult& r) {
    std::cout << "[ bps    ] " << what << ": " << r.received_bytes << " of " << r.sent_bytes
              << " bytes (" << r.received_packets << " datagrams) sent in " << r.send_time.count()
              << " ms\n";
  }

  std::optional<TurnClient> client_;
  std::optional<UdpPeer> peer_;
};

TEST_F(RealmBandwidthTest, MaxBps_BurstToPeer_ArrivesInPart_RestCounted) {
  ASSERT_NO_FATAL_FAILURE(set_up({"--max-bps", "20000"}));
  const BurstResult r = burst_to_peer(*client_, kChannel, *peer_, Burst{});
  print("client to peer at 20000 B/s", r);
  ASSERT_EQ(r.sent_bytes, 100'000u);
  ASSERT_LT(r.send_time, 500ms) << "too slow a sender to measure a one-second cap";
  EXPECT_GT(r.received_bytes, 0u);
  // The bucket's 65535 bytes (16 datagrams) and 20 bytes a millisecond after that: clearly
  // less than all, even with ternd 800 ms late on a loaded machine.
  EXPECT_LT(r.received_bytes, r.sent_bytes * 4 / 5);
  auto counters = stop_and_count();
  EXPECT_GT(counters["bandwidth_dropped_to_peer"], 0u);
  EXPECT_EQ(counters["bandwidth_dropped_to_client"], 0u);
}

TEST_F(RealmBandwidthTest, MaxBps_BurstToClient_ArrivesInPart_RestCounted) {
  ASSERT_NO_FATAL_FAILURE(set_up({"--max-bps", "20000"}));
  const BurstResult r = burst_to_client(*peer_, client_->relayed().front(), *client_, Burst{});
  print("peer to client at 20000 B/s", r);
  ASSERT_EQ(r.sent_bytes, 100'000u);
  ASSERT_LT(r.send_time, 500ms) << "too slow a sender to measure a one-second cap";
  EXPECT_GT(r.received_bytes, 0u);
  EXPECT_LT(r.received_bytes, r.sent_bytes * 4 / 5);
  auto counters = stop_and_count();
  EXPECT_GT(counters["bandwidth_dropped_to_client"], 0u);
  EXPECT_EQ(counters["bandwidth_dropped_to_peer"], 0u);
}

TEST_F(RealmBandwidthTest, MaxBps_EachDirectionHasItsOwnBucket) {
  ASSERT_NO_FATAL_FAILURE(set_up({"--max-bps", "20000"}));
  // Emptying the way to the peer leaves the way back full.
  const BurstResult out = burst_to_peer(*client_, kChannel, *peer_, Burst{.count = 16});
  ASSERT_EQ(out.received_bytes, out.sent_bytes);
  const BurstResult back =
      burst_to_client(*peer_, client_->relayed().front(), *client_, Burst{.count = 16});
  print("peer to client after the other direction's burst", back);
  EXPECT_EQ(back.received_bytes, back.sent_bytes);
}

TEST_F(RealmBandwidthTest, NoMaxBps_ModestlyPacedBurst_ArrivesWhole_BothWays) {
  ASSERT_NO_FATAL_FAILURE(set_up({}));
  const Burst paced{.gap = 2ms};
  const BurstResult out =
      first_whole([&] { return burst_to_peer(*client_, kChannel, *peer_, paced); });
  print("client to peer uncapped", out);
  EXPECT_EQ(out.received_bytes, out.sent_bytes);
  const BurstResult back = first_whole(
      [&] { return burst_to_client(*peer_, client_->relayed().front(), *client_, paced); });
  print("peer to client uncapped", back);
  EXPECT_EQ(back.received_bytes, back.sent_bytes);
  auto counters = stop_and_count();
  EXPECT_EQ(counters["bandwidth_dropped_to_peer"], 0u);
  EXPECT_EQ(counters["bandwidth_dropped_to_client"], 0u);
}

}  // namespace
}  // namespace tern::test
