#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>

#include "server/datagram_queue.h"

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
  DatagramQueue to_peers{&WorkerCounters::relay_send_failures};
  static_assert(DatagramQueue::kCapacity >= kPackets);
  // What relay sockets send to UDP clients, sent after each pass of the event loop.
  DatagramQueue to_clients{&WorkerCounters::udp_send_failures, &WorkerCounters::udp_datagrams_out};
  static_assert(DatagramQueue::kCopySize >= kSlotSize);  // any frame made in a slot fits
};

}  // namespace tern
