#pragma once
// One TURN allocation (RFC 8656 §2.2, §5): its 5-tuple, owner, lifetime, relayed
// addresses, permissions and channels. Owned by its worker's AllocationTable; nothing
// here is shared with other threads.

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/transport_address.h"
#include "server/core/client_link.h"
#include "server/core/five_tuple.h"
#include "server/turn/bandwidth_limit.h"

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

struct TrafficCounters {
  uint64_t packets_to_peer = 0, bytes_to_peer = 0;
  uint64_t packets_to_client = 0, bytes_to_client = 0;
};

// An allocation's name in the admin API: the worker that owns it and its place in that
// worker's sequence. Never reused while ternd runs, and it tells the admin thread which
// worker to ask, so killing one session wakes one worker.
struct AllocationId {
  unsigned worker = 0;
  uint64_t sequence = 0;

  // coturn's form: (worker + 1) * 10^15 + sequence in 18 digits: worker 0's 17th
  // allocation is "001000000000000017", worker 2's "003000000000000017".
  std::string to_string() const;
  // Exactly that form; nullopt for anything else.
  static std::optional<AllocationId> parse(std::string_view text);
  friend bool operator==(const AllocationId&, const AllocationId&) = default;
};

class Allocation {
 public:
  // Keeps tables small and a client from growing one without bound.
  static constexpr size_t kMaxPermissions = 128;
  static constexpr size_t kMaxChannels = 128;

  Allocation(FiveTuple tuple, std::string username, int64_t expires_ms);
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

  // Drops expired permissions and channel bindings past their cool-down.
  void sweep(int64_t now_ms);

  // The realm generation (RealmState) its permissions and bandwidth caps were last
  // judged under; 0 before the first.
  uint64_t realm_generation() const { return realm_generation_; }
  void set_realm_generation(uint64_t g) { realm_generation_ = g; }

  // --- relayed addresses: one per family at most (RFC 8656 §7.2 dual-stack)
  void add_relay(std::unique_ptr<RelaySocket> relay);
  RelaySocket* relay_for(Family family) const;
  std::span<const std::unique_ptr<RelaySocket>> relays() const { return relays_; }

  // --- the retransmission cache for Allocate (RFC 8656 §7.2: a retransmitted request
  // must get the same answer, not a 437)
  void remember_allocate(std::span<const uint8_t, 12> transaction_id,
                         std::span<const uint8_t> response);
  // The cached response when `transaction_id` is the Allocate that made this allocation.
  std::span<const uint8_t> cached_allocate_response(std::span<const uint8_t, 12> id) const;

  ClientLink client_link;
  TrafficCounters traffic;
  // max-bps, each direction on its own; unlimited until set.
  TokenBucket to_peer_limit, to_client_limit;

 private:
  FiveTuple tuple_;
  std::string username_;
  int64_t expires_ms_;
  AllocationId id_;
  int64_t created_unix_ = 0;
  int64_t created_ms_ = 0;
  uint64_t realm_generation_ = 0;
  std::vector<Permission> permissions_;
  std::vector<ChannelBinding> channels_;
  std::vector<std::unique_ptr<RelaySocket>> relays_;
  std::array<uint8_t, 12> allocate_id_{};
  std::vector<uint8_t> allocate_response_;
};

// The IP of an address with the port cleared: the key of a permission.
TransportAddress ip_only(const TransportAddress& a);

}  // namespace tern
