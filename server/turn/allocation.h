#pragma once
// One TURN allocation (RFC 8656 §2.2, §5): its 5-tuple, owner, lifetime, relayed
// addresses, permissions and channels, and the peer → client path: what its relay sockets
// receive is admitted here and sent through its ClientLink. Owned by its worker's
// AllocationTable; nothing here is shared with other threads.

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/long_term_key.h"
#include "base/fast_random.h"
#include "base/socket_address.h"
#include "protocol/transport_address.h"
#include "server/core/bandwidth_limit.h"
#include "server/core/client_link.h"
#include "server/core/counters.h"
#include "server/core/five_tuple.h"
#include "server/core/traffic_counters.h"
#include "server/offload/channel_offload.h"
#include "server/shared/realm_state.h"
#include "server/turn/relay_socket.h"
#include "server/turn/tcp_relay.h"

namespace tern {

class RelaySocket;

struct Permission {
  TransportAddress ip;  // port always 0: permissions match the IP only (RFC 8656 §9)
  int64_t expires_ms;
  // The peer policy may refuse some ports of this IP (PeerPolicy::port_sensitive), so
  // each datagram to it is checked in full; for any other IP a bit lookup does.
  bool port_sensitive = true;
};

struct ChannelBinding {
  uint16_t number;
  TransportAddress peer;
  int64_t expires_ms;   // after this the binding is gone...
  int64_t reusable_ms;  // ...but neither number nor peer may be bound elsewhere until this
};

// An allocation's name in the admin API and the statsdb: the worker that made it and its
// place in that worker's sequence. Never reused while ternd runs, and kept when an RFC 8016
// move takes the allocation to another worker (the sessions' "worker" says where it is).
struct AllocationId {
  unsigned worker = 0;
  uint64_t sequence = 0;

  // coturn's form: (worker + 1) * 10^15 + sequence in 18 digits: worker 0's 17th
  // allocation is "001000000000000017", worker 2's "003000000000000017".
  std::string to_string() const;
  // Exactly that form; nullopt for anything else.
  static std::optional<AllocationId> parse(std::string_view text);
  // Where a worker's sequence starts, from `random` bits: somewhere in the first half of
  // the 10^15 a worker may count, so nodes of a fleet, whose ids all land in one
  // statsdb's keys, almost never share one (two nodes' first ids collide once in ~10^14
  // starts), and no worker wraps around while ternd runs.
  static uint64_t first_sequence(uint64_t random);
  friend bool operator==(const AllocationId&, const AllocationId&) = default;
};

class Allocation final : public PeerReceiver, public TcpRelayOwner {
 public:
  // Keeps tables small and a client from growing one without bound.
  static constexpr size_t kMaxPermissions = 128;
  static constexpr size_t kMaxChannels = 128;

  // `link` reaches the client at the tuple's reply address.
  Allocation(FiveTuple tuple, std::string username, int64_t expires_ms, ClientLink link = {});
  ~Allocation();
  Allocation(const Allocation&) = delete;
  Allocation& operator=(const Allocation&) = delete;

  const FiveTuple& tuple() const { return tuple_; }
  const std::string& username() const { return username_; }
  int64_t expires_ms() const { return expires_ms_; }
  void set_expires_ms(int64_t t) { expires_ms_ = t; }
  bool expired(int64_t now_ms) const { return now_ms >= expires_ms_; }

  // Given by the table when it takes the allocation in.
  const AllocationId& id() const { return id_; }
  int64_t created_unix() const { return created_unix_; }  // wall-clock seconds
  int64_t created_ms() const { return created_ms_; }      // steady clock, for its duration
  void set_identity(AllocationId id, int64_t created_unix, int64_t created_ms) {
    id_ = id;
    created_unix_ = created_unix;
    created_ms_ = created_ms;
  }

  // --- permissions (RFC 8656 §9)
  bool has_permission(const TransportAddress& peer, int64_t now_ms) const {
    return permission_for(peer, now_ms) != nullptr;
  }
  // The live permission for the peer's IP; null when there is none.
  const Permission* permission_for(const TransportAddress& peer, int64_t now_ms) const;
  // Installs or refreshes; false when the table is full.
  bool install_permission(const TransportAddress& peer, int64_t expires_ms, int64_t now_ms,
                          bool port_sensitive);
  // Keeps the permissions `keep` says yes to (it may update them); returns how many went.
  size_t retain_permissions(const std::function<bool(Permission&)>& keep);
  size_t permission_count() const { return permissions_.size(); }
  // Possibly including expired ones the sweep has not pruned yet.
  std::span<const Permission> permissions() const { return permissions_; }

  // --- channels (RFC 8656 §12)
  enum class BindResult { Ok, NumberTaken, PeerTaken, Full };
  BindResult bind_channel(uint16_t number, const TransportAddress& peer, int64_t expires_ms,
                          int64_t reusable_ms, int64_t now_ms);
  const ChannelBinding* channel_by_number(uint16_t number, int64_t now_ms) const;
  const ChannelBinding* channel_by_peer(const TransportAddress& peer, int64_t now_ms) const;
  size_t channel_count() const { return channels_.size(); }
  // Possibly including expired ones still in their cool-down.
  std::span<const ChannelBinding> channels() const { return channels_; }

  // Drops expired permissions and channel bindings past their cool-down, and collects
  // what its RFC 6062 connections relayed (they may run on other workers) into `traffic`.
  void sweep(int64_t now_ms);
  void collect_tcp_traffic();

  // The realm generation (RealmState) its permissions and bandwidth caps were last
  // judged under; 0 before the first.
  uint64_t realm_generation() const { return realm_generation_; }
  void set_realm_generation(uint64_t g) { realm_generation_ = g; }
  // Brings the allocation up to `realm` when it was judged under an older generation
  // (one integer compare per packet otherwise): drops the permissions whose IP the policy
  // now denies (counted as permissions_revoked), re-decides which are port-sensitive, and
  // takes the realm's max-bps for both directions. Traffic to and from a peer that a store
  // newly denies so stops within the reload cadence.
  void sync_realm(const RealmSnapshot& realm, WorkerCounters& counters, int64_t now_ms) {
    if (realm_generation_ != realm.generation) resync_realm(realm, counters, now_ms);
  }

  // --- peer → client (RFC 8656 §11.3, §12.6)
  // A datagram from `peer` at `payload` (with RelaySocket::kHeadroom bytes before it and
  // kTailroom after it) judged and framed in place for the client: ChannelData when the
  // peer has a channel, else a Data indication. Empty when it is dropped: no permission
  // for the peer, or the max-bps towards the client used up. Counts what it lets through.
  std::span<uint8_t> admit_from_peer(const TransportAddress& peer, std::span<uint8_t> payload,
                                     int64_t now_ms, WorkerCounters& counters, FastRandom& random);
  // PeerReceiver: what the relay sockets receive, admitted and sent to the client.
  void begin_from_peers(RelayIo& io, int64_t now_ms) override;
  void from_peer(RelayIo& io, const TransportAddress& peer, std::span<uint8_t> payload,
                 int64_t now_ms) override;
  void icmp_from_peer(RelayIo& io, const TransportAddress& peer, const IcmpReport& report,
                      int64_t now_ms) override;

  // --- relayed addresses: one per family at most (RFC 8656 §7.2 dual-stack)
  void add_relay(std::unique_ptr<RelaySocket> relay);
  RelaySocket* relay_for(Family family) const;
  std::span<const std::unique_ptr<RelaySocket>> relays() const { return relays_; }
  // A TCP allocation (RFC 6062) has one relayed address, a TCP one, and no UDP relays.
  void set_tcp_relay(std::unique_ptr<TcpRelay> relay);
  // TcpRelayOwner
  ClientStream* tcp_client() const override { return client_link.stream; }
  bool tcp_peer_permitted(const TransportAddress& peer, int64_t now_ms) const override {
    return has_permission(peer, now_ms);
  }
  const std::string& tcp_user() const override { return username_; }
  TcpRelay* tcp_relay() const { return tcp_relay_.get(); }
  // Whether a relayed address of `family` exists, UDP or TCP.
  bool relays_family(Family family) const;

  // --- RFC 8016 mobility
  // Made with an empty MOBILITY-TICKET: its tickets open it for a request signed with
  // `owner_key`, the key that signed the Allocate (so the same user, realm and password).
  void make_mobile(const auth::Key& owner_key) { mobility_key_ = owner_key; }
  bool mobile() const { return mobility_key_.has_value(); }
  bool mobility_owner(const std::string& username, const auth::Key& key) const {
    return mobility_key_ && username == username_ && key == *mobility_key_;
  }
  // The client is now at `tuple` (same transport), reached through `link`; only the
  // table calls this, as it re-files the allocation under the new 5-tuple.
  void move_to(const FiveTuple& tuple, ClientLink link);
  // What its tickets call it on the worker that holds it now: its id's sequence where it
  // was made, a fresh number of the new worker's sequence after a move to another worker
  // (ids stay as they were, and two workers' sequences may meet). Set by the table.
  uint64_t mobility_handle() const { return mobility_handle_; }
  void set_mobility_handle(uint64_t handle) { mobility_handle_ = handle; }
  // Its relay sockets leave the worker's loop (on the old worker's thread) and join
  // another's (on the new worker's thread); see RelaySocket::detach. False when one
  // cannot be watched there.
  void detach_relays();
  bool attach_relays(RelayIo& io);

  // --- the retransmission cache for Allocate (RFC 8656 §7.2: a retransmitted request
  // must get the same answer, not a 437)
  void remember_allocate(std::span<const uint8_t, 12> transaction_id,
                         std::span<const uint8_t> response);
  // The cached response when `transaction_id` is the Allocate that made this allocation.
  std::span<const uint8_t> cached_allocate_response(std::span<const uint8_t, 12> id) const;

  ClientLink client_link;  // the client's transport; reply_to() its address over UDP
  const SockAddr& reply_to() const { return reply_to_; }
  TrafficCounters traffic;
  // Its channels the kernel relays (server/turn/offload_sync.h); empty without the offload.
  std::vector<OffloadedChannel> offloaded;
  OffloadCap offload_cap;  // what its buckets in the maps were made for, while offloaded has any
  // max-bps, each direction on its own; unlimited until set.
  TokenBucket to_peer_limit, to_client_limit;

 private:
  FiveTuple tuple_;
  std::string username_;
  int64_t expires_ms_;
  AllocationId id_;
  int64_t created_unix_ = 0;
  void resync_realm(const RealmSnapshot& realm, WorkerCounters& counters, int64_t now_ms);

  int64_t created_ms_ = 0;
  SockAddr reply_to_;
  uint64_t realm_generation_ = 0;
  // ICMP indications (RFC 8656 §11.5): at most kIcmpPerSecond in each second.
  static constexpr uint32_t kIcmpPerSecond = 10;
  int64_t icmp_window_ms_ = 0;
  uint32_t icmp_in_window_ = 0;
  std::vector<Permission> permissions_;
  std::vector<ChannelBinding> channels_;
  std::vector<std::unique_ptr<RelaySocket>> relays_;
  std::unique_ptr<TcpRelay> tcp_relay_;
  std::optional<auth::Key> mobility_key_;
  uint64_t mobility_handle_ = 0;
  std::array<uint8_t, 12> allocate_id_{};
  std::vector<uint8_t> allocate_response_;
};

// The IP of an address with the port cleared: the key of a permission.
TransportAddress ip_only(const TransportAddress& a);

}  // namespace tern
