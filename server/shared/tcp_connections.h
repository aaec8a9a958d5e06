#pragma once
// The peer TCP connections of TCP allocations (RFC 6062), as every worker sees them. A
// ConnectionBind arrives on a new client connection, which the kernel may have given to
// any worker, while the allocation lives on one: so a peer connection waiting for its
// bind sits here, under a mutex (ConnectionBind is rare; no packet passes here), and the
// worker that takes it relays it from then on.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/fast_random.h"
#include "base/file_descriptor.h"
#include "protocol/result.h"
#include "protocol/transport_address.h"
#include "server/core/bandwidth_limit.h"
#include "server/core/client_link.h"
#include "server/core/traffic_counters.h"

namespace tern {

// What a TCP allocation shares with its connections, wherever they are relayed: which
// peers it has a connection to (RFC 6062 §5.2: one per peer, else 446) and whether the
// allocation still exists (§5: its connections close with it).
class TcpPeers {
 public:
  // A sane bound on one allocation's connections (in progress, pending and bound).
  static constexpr size_t kMaxConnections = 64;

  bool alive() const { return alive_.load(std::memory_order_acquire); }
  void end() { alive_.store(false, std::memory_order_release); }
  size_t count() const;

  // The data its connections relay is the allocation's traffic, under its max-bps (one
  // bucket each way for all its connections, wherever each is relayed), like a UDP
  // allocation's: the allocation's worker sets the rate as its realm says...
  void set_max_bps(uint64_t bytes_per_s, int64_t now_ms);
  // ...a connection's worker takes up to `bytes` from the bucket of its direction and
  // counts what it was given (as one packet)...
  size_t admit(PeerDirection direction, size_t bytes, int64_t now_ms);
  // ...and the allocation's worker collects the counts into its own.
  using Traffic = TrafficCounters;
  Traffic take_traffic();

 private:
  friend class PeerSlot;
  mutable std::mutex mutex_;
  std::vector<TransportAddress> peers_;
  std::atomic<bool> alive_{true};
  TokenBucket to_peer_limit_, to_client_limit_;  // under mutex_, as is traffic_
  Traffic traffic_;
};

// One connection of an allocation to one peer, held for as long as the connection lives.
class PeerSlot final : public PeerHold {
 public:
  enum class Refused { Exists, Full };
  static Result<std::unique_ptr<PeerSlot>, Refused> claim(std::shared_ptr<TcpPeers> peers,
                                                          const TransportAddress& peer);
  PeerSlot(std::shared_ptr<TcpPeers> peers, TransportAddress peer)
      : peers_(std::move(peers)), peer_(peer) {}  // use claim()
  ~PeerSlot() override;
  PeerSlot(const PeerSlot&) = delete;
  PeerSlot& operator=(const PeerSlot&) = delete;

  bool allocation_alive() const override { return peers_->alive(); }
  size_t admit(PeerDirection direction, size_t bytes, int64_t now_ms) override {
    return peers_->admit(direction, bytes, now_ms);
  }
  const TransportAddress& peer() const { return peer_; }

 private:
  std::shared_ptr<TcpPeers> peers_;
  TransportAddress peer_;
};

// Peer connections made (Connect) or accepted (ConnectionAttempt) and not yet bound, by
// CONNECTION-ID. Every worker's sweep expires them.
class TcpConnections {
 public:
  explicit TcpConnections(int64_t bind_timeout_ms) : bind_timeout_ms_(bind_timeout_ms) {}

  // Keeps `fd` until a ConnectionBind of `username` takes it or the bind timeout passes;
  // returns its CONNECTION-ID (never 0, never one in use).
  uint32_t add(FileDescriptor fd, std::unique_ptr<PeerSlot> slot, std::string username,
               int64_t now_ms);
  enum class TakeError { Unknown, WrongUser };
  // The pending connection `id` for `username`; it is no longer pending.
  Result<BoundPeer, TakeError> take(uint32_t id, std::string_view username);
  // Closes the connections past their bind timeout and those of allocations that are
  // gone; returns how many.
  size_t expire(int64_t now_ms);
  size_t size() const;

 private:
  struct Pending {
    FileDescriptor fd;
    std::unique_ptr<PeerSlot> slot;
    std::string username;
    int64_t deadline_ms;
  };
  const int64_t bind_timeout_ms_;
  mutable std::mutex mutex_;
  std::unordered_map<uint32_t, Pending> pending_;
  FastRandom random_;
};

}  // namespace tern
