#pragma once
// Bursts of relayed data through a channel, counted at the far end: what max-bps tests
// measure. Each side sends `count` datagrams of `size` bytes with `gap` between them, and
// the receiver counts until nothing more arrives for `quiet`.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "tests/support/stun_client.h"
#include "tests/support/turn_client.h"
#include "tests/support/udp_peer.h"

namespace tern::test {

struct Burst {
  size_t count = 25;
  size_t size = 4000;  // fits one receive slot of ternd's (4096 bytes) with its header
  Millis gap = Millis(0);
  Millis quiet = Millis(400);
};

struct BurstResult {
  size_t sent_bytes = 0;
  size_t received_bytes = 0;
  size_t received_packets = 0;
  Millis send_time{0};  // from the first datagram sent to the last
};

// Client → peer as ChannelData on `channel` (bound to `peer`).
BurstResult burst_to_peer(TurnClient& client, uint16_t channel, UdpPeer& peer, const Burst& b);
// Peer → client, sent to the client's relayed address `relayed`.
BurstResult burst_to_client(UdpPeer& peer, const TransportAddress& relayed, TurnClient& client,
                            const Burst& b);

}  // namespace tern::test
