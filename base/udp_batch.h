#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "base/counter.h"
#include "base/datagram_queue.h"
#include "base/socket_address.h"
#include "protocol/transport_address.h"

namespace tern {

// What a UdpBatch counts into (its worker's counters); each must outlive the batch.
struct UdpBatchCounters {
  Counter& dropped_truncated;  // a datagram cut to fit its slot
  Counter& relay_send_failures;
  Counter& udp_send_failures;
  Counter& udp_datagrams_out;
};

// The receive and send slots of one worker, shared by all its UDP sockets (a worker runs
// one callback at a time). No allocation per packet.
struct UdpBatch {
  explicit UdpBatch(const UdpBatchCounters& counters)
      : to_peers(counters.relay_send_failures),
        to_clients(counters.udp_send_failures, &counters.udp_datagrams_out),
        dropped_truncated_(counters.dropped_truncated) {}

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
  DatagramQueue to_peers;
  static_assert(DatagramQueue::kCapacity >= kPackets);
  // What relay sockets send to UDP clients, sent after each pass of the event loop.
  DatagramQueue to_clients;
  static_assert(DatagramQueue::kCopySize >= kSlotSize);  // any frame made in a slot fits

  // Fills `in` from `fd` with one recvmmsg. Each payload starts `headroom` bytes into its
  // slot and stops `tailroom` bytes short of its end, so a caller can frame it in place.
  // Returns how many datagrams arrived: 0 when none was waiting or on an error.
  size_t receive(int fd, size_t headroom = 0, size_t tailroom = 0);

  struct Datagram {
    std::span<uint8_t> payload;  // inside its slot, after the headroom
    TransportAddress from;
  };
  // Datagram `i` of the last receive(), or nullopt for one the caller must skip: cut to
  // fit its slot (counted), or from a name the kernel gave shorter than its family's or of
  // another family. Inline: it runs once per packet.
  std::optional<Datagram> datagram(size_t i) {
    const msghdr& h = in_headers[i].msg_hdr;
    if (h.msg_flags & MSG_TRUNC) {
      dropped_truncated_.add();
      return std::nullopt;
    }
    // msg_namelen, not the slot's size: past it lies an earlier packet's address.
    auto from = from_sockaddr(reinterpret_cast<const sockaddr*>(&in[i].address), h.msg_namelen);
    if (!from) return std::nullopt;
    return Datagram{{static_cast<uint8_t*>(in[i].iov.iov_base), in_headers[i].msg_len}, *from};
  }

 private:
  Counter& dropped_truncated_;
};

}  // namespace tern
