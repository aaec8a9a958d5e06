#pragma once
// The relayed transport address of an allocation: a UDP socket on a relay port. It only
// moves bytes: client → peer out of its port (or in process to another of this worker's
// relays), and what peers send to it up to its receiver, the allocation, which decides what
// reaches the client (Allocation::admit_from_peer). ICMP errors the kernel reports for what
// it sent to a peer go up the same way (RFC 8656 §11.5).

#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "base/fast_random.h"
#include "base/icmp_errors.h"
#include "base/libevent.h"
#include "base/udp_batch.h"
#include "protocol/transport_address.h"
#include "server/core/counters.h"
#include "server/core/request_context.h"
#include "server/shared/external_addresses.h"
#include "server/shared/realm_state.h"
#include "server/shared/relay_ports.h"

namespace tern {

class RelaySocket;

struct TransportAddressHash {
  size_t operator()(const TransportAddress& a) const noexcept {
    return static_cast<size_t>(hash_address(0, a));
  }
};

// One worker's relay sockets by their bound address. Two clients of one call relaying
// through the same tern is the most common TURN path: when both allocations live on the
// same worker, a packet from one goes straight to the other, without a trip through the
// kernel (and without needing the network to hairpin an --external-ip address).
class LocalRelays {
 public:
  void add(RelaySocket* s);
  void remove(RelaySocket* s);
  RelaySocket* find(const TransportAddress& bound) const {
    auto it = map_.find(bound);
    return it == map_.end() ? nullptr : it->second;
  }

 private:
  std::unordered_map<TransportAddress, RelaySocket*, TransportAddressHash> map_;
};

// The worker's pieces the relay path uses; one per worker, outliving its allocations.
struct RelayIo {
  event_base* base;
  UdpBatch& batch;
  WorkerCounters& counters;
  const ExternalMapping& external;  // read once per relay socket
  FastRandom& random;
  const RealmState& realm_state;  // the server's; `realm` is this worker's view of it
  LocalRelays local = {};
  RealmView realm = {};  // this worker's view of the realm's policy and max-bps
  // Where a packet handed over in-process is framed (the batch slots may be in use).
  std::vector<uint8_t> scratch = std::vector<uint8_t>(UdpBatch::kSlotSize);
  // A fake steady clock for tests and the fuzz target, which drive the TURN core without
  // a process and move time themselves; negative: the real one. Read once per batch.
  int64_t fixed_ms = -1;
  int64_t now_ms() const { return fixed_ms >= 0 ? fixed_ms : steady_ms(); }
  const RealmSnapshot& realm_now() { return realm.current(realm_state); }
};

// Who gets what peers send to a relay socket: its allocation. An interface so that this
// file sits below allocation.h, which owns relay sockets.
class PeerReceiver {
 public:
  // Before each run of from_peer calls (one receive batch, or one datagram handed over in
  // process), with the time they share.
  virtual void begin_from_peers(RelayIo& io, int64_t now_ms) = 0;
  // A datagram from `peer` (the address the client knows it by). `payload` has
  // RelaySocket::kHeadroom writable bytes before it and kTailroom after it, to be framed
  // in place.
  virtual void from_peer(RelayIo& io, const TransportAddress& peer, std::span<uint8_t> payload,
                         int64_t now_ms) = 0;
  // An ICMP error (a relayable type: §11.5) about what was sent to `peer`.
  virtual void icmp_from_peer(RelayIo& io, const TransportAddress& peer, const IcmpReport& report,
                              int64_t now_ms) = 0;

 protected:
  ~PeerReceiver() = default;
};

class RelaySocket {
 public:
  // Room in front of a received datagram for the largest header tern puts there: a Data
  // indication with an IPv6 XOR-PEER-ADDRESS (20 + 24 + 4 bytes). Framing then happens in
  // place, with no copy of the payload.
  static constexpr size_t kHeadroom = 48;
  static constexpr size_t kTailroom = 4;  // ChannelData padding over streams

  // Starts watching the lease's socket; `receiver` (the allocation) owns the returned
  // socket.
  static std::unique_ptr<RelaySocket> open(PortLease lease, PeerReceiver& receiver, RelayIo& io);
  RelaySocket(PortLease lease, PeerReceiver& receiver, RelayIo& io);  // use open(), which attaches
  ~RelaySocket();
  RelaySocket(const RelaySocket&) = delete;
  RelaySocket& operator=(const RelaySocket&) = delete;

  // The address bound here (the private one when --external-ip maps it).
  const TransportAddress& address() const { return lease_.address(); }
  // The address clients and peers see.
  TransportAddress advertised() const { return external_->advertised(lease_.address()); }

  // Client → peer (Send indication, ChannelData). `peer` as the client named it;
  // returns false when the kernel refused the datagram.
  bool send_to_peer(const TransportAddress& peer, std::span<const uint8_t> data);

  // An allocation moving to another worker (RFC 8016, mobility.cpp): detach() on the
  // old worker's thread stops watching the socket there and forgets it in that worker's
  // relay map and send queue; attach() on the new worker's thread watches it on that
  // worker's loop. In between the socket keeps its port, and what peers send waits in
  // its receive buffer. False when the new loop cannot watch it.
  void detach();
  bool attach(RelayIo& io);

 private:
  static void on_readable(evutil_socket_t, short, void* self);
  size_t read_batch();
  // A datagram from another relay socket of this worker, as if it had come through the
  // kernel from `from` (the sender's advertised address).
  void receive_local(const TransportAddress& from, std::span<const uint8_t> data);
  // Reads the socket's ICMP error queue and hands each relayable error up.
  void report_icmp_errors(int64_t now_ms);

  PortLease lease_;  // before event_: the event must go first
  EventPtr event_;
  PeerReceiver& receiver_;
  RelayIo* io_;  // its worker's; null while it moves between workers
  std::shared_ptr<const ExternalAddresses> external_;  // as it was when the socket opened
};

}  // namespace tern
