#pragma once
// The relayed transport address of an allocation: a UDP socket on a relay port. What
// peers send to it goes back to the client (RFC 8656 §11.3, §12.6): dropped without a
// permission, framed as ChannelData when the peer has a channel, else a Data indication.

#include <cstdint>
#include <span>

#include "protocol/transport_address.h"
#include "server/counters.h"
#include "server/external_addresses.h"
#include "server/fast_random.h"
#include "server/libevent.h"
#include "server/relay_ports.h"
#include "server/udp_batch.h"

namespace tern {

class Allocation;

// The worker's pieces a relay socket uses; one per worker, outliving its allocations.
struct RelayIo {
  event_base* base;
  UdpBatch& batch;
  WorkerCounters& counters;
  const ExternalAddresses& external;
  FastRandom& random;
};

class RelaySocket {
 public:
  // Starts watching the lease's socket; the allocation owns the returned socket.
  static std::unique_ptr<RelaySocket> open(PortLease lease, Allocation& owner, RelayIo& io);
  RelaySocket(PortLease lease, Allocation& owner, RelayIo& io);  // use open()
  RelaySocket(const RelaySocket&) = delete;
  RelaySocket& operator=(const RelaySocket&) = delete;

  // The address bound here (the private one when --external-ip maps it).
  const TransportAddress& address() const { return lease_.address(); }
  // The address clients and peers see.
  TransportAddress advertised() const { return io_.external.advertised(lease_.address()); }

  // Client → peer (Send indication, ChannelData). `peer` as the client named it;
  // returns false when the kernel refused the datagram.
  bool send_to_peer(const TransportAddress& peer, std::span<const uint8_t> data);

 private:
  static void on_readable(evutil_socket_t, short, void* self);
  size_t read_batch();

  PortLease lease_;  // before event_: the event must go first
  EventPtr event_;
  Allocation& owner_;
  RelayIo& io_;
};

}  // namespace tern
