#pragma once
// The relayed transport address of an allocation: a UDP socket on a relay port. What
// peers send to it goes back to the client (RFC 8656 §11.3, §12.6): dropped without a
// permission, framed as ChannelData when the peer has a channel, else a Data indication.
// ICMP errors the kernel reports for what we relayed to a peer go back to the client as a
// Data indication with an ICMP attribute (§11.5).

#include <cstdint>
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

class Allocation;

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

// The worker's pieces a relay socket uses; one per worker, outliving its allocations.
struct RelayIo {
  event_base* base;
  UdpBatch& batch;
  WorkerCounters& counters;
  const ExternalMapping& external;  // read once per allocation
  FastRandom& random;
  LocalRelays local = {};
  RealmView realm = {};  // this worker's view of the realm's policy and max-bps
  // Where a packet handed over in-process is framed (the batch slots may be in use).
  std::vector<uint8_t> scratch = std::vector<uint8_t>(UdpBatch::kSlotSize);
  // A fake steady clock for tests and the fuzz target, which drive the TURN core without
  // a process and move time themselves; negative: the real one. Read once per batch.
  int64_t fixed_ms = -1;
  int64_t now_ms() const { return fixed_ms >= 0 ? fixed_ms : steady_ms(); }
};

class RelaySocket {
 public:
  // Starts watching the lease's socket; the allocation owns the returned socket. `realm`
  // (the server's, outliving every allocation) judges what peers send to it.
  static std::unique_ptr<RelaySocket> open(PortLease lease, Allocation& owner, RelayIo& io,
                                           const RealmState& realm);
  RelaySocket(PortLease lease, Allocation& owner, RelayIo& io,
              const RealmState& realm);  // use open()
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

 private:
  static void on_readable(evutil_socket_t, short, void* self);
  size_t read_batch();
  // A datagram from another relay socket of this worker, as if it had come through the
  // kernel from `from` (the sender's advertised address).
  void receive_local(const TransportAddress& from, std::span<const uint8_t> data);
  // A framed datagram to the client, over its stream or its UDP listening socket.
  void send_to_client(std::span<const uint8_t> frame, const SockAddr& client);
  // Re-judges the owner's permissions and caps if the realm changed since; before each
  // batch of frame_for_client calls.
  void sync(int64_t now_ms);
  // Frames the payload at `payload` (with headroom before and tailroom after it) for the
  // client: ChannelData when the peer has a channel, else a Data indication. Empty when
  // the peer has no permission (RFC 8656 §11.3: dropped) or the owner's max-bps towards
  // the client is used up.
  std::span<uint8_t> frame_for_client(const TransportAddress& peer, uint8_t* payload, size_t len,
                                      int64_t now_ms);
  // Reads the socket's ICMP error queue; each error about a permitted peer becomes a Data
  // indication (RFC 8656 §11.5), at most kIcmpPerSecond of them.
  void report_icmp_errors(int64_t now_ms);
  void report_icmp(const IcmpReport& report, int64_t now_ms);

  PortLease lease_;  // before event_: the event must go first
  EventPtr event_;
  Allocation& owner_;
  RelayIo& io_;
  const RealmState& realm_;
  int64_t icmp_window_ms_ = 0;  // when the current second of ICMP indications began
  uint32_t icmp_in_window_ = 0;
  std::shared_ptr<const ExternalAddresses> external_;  // as it was when the socket opened
};

}  // namespace tern
