#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>

#include "server/peer_send_queue.h"

namespace tern {

// The receive and send slots of one worker, shared by all its UDP sockets (a worker runs
// one callback at a time). No allocation per packet.
struct UdpBatch {
  static constexpr size_t kPackets = 32;
  static constexpr size_t kSlotSize = 4096;

  struct Slot {
    std::array<uint8_t, kSlotSize> data;
    sockaddr_storage address;
    iovec iov;
  };
  std::array<Slot, kPackets> in;
  std::array<mmsghdr, kPackets> in_headers;
  std::array<Slot, kPackets> out;
  std::array<mmsghdr, kPackets> out_headers;
  // What the datagrams of `in` relay to peers, sent after the batch.
  PeerSendQueue to_peers;
  static_assert(PeerSendQueue::kCapacity >= kPackets);
};

}  // namespace tern
