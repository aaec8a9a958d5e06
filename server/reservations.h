#pragma once
// Ports held for a later allocation (RFC 8656 §7.2): an Allocate with EVEN-PORT and the R
// bit gets an even port and the odd one above it is kept under a RESERVATION-TOKEN, which a
// second Allocate presents to get it. Shared by all workers, so behind a mutex; closing
// sockets and returning ports to their pool happen after it is released.

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include "server/relay_ports.h"

namespace tern {

using ReservationToken = std::array<uint8_t, 8>;

class Reservations {
 public:
  using Clock = std::chrono::steady_clock;

  // RFC 8656 §7.2: the port is reserved "for at least 30 seconds".
  explicit Reservations(std::chrono::seconds hold = std::chrono::seconds(30));

  // Keeps `lease` (its socket stays bound, so no other process takes the port either) under
  // a fresh random token, until take() or until `hold` has passed since `now`. nullopt only
  // if the CSPRNG fails, and then the lease is let go.
  std::optional<ReservationToken> reserve(PortLease lease, Clock::time_point now);
  // The reserved lease, once. nullopt when the token is unknown, already taken or expired
  // (the caller answers 508, RFC 8656 §7.2).
  std::optional<PortLease> take(std::span<const uint8_t, 8> token, Clock::time_point now);
  // Gives back the ports of expired reservations; for a periodic timer (reserve() also does
  // it, so memory stays bounded without one).
  void expire(Clock::time_point now);

  size_t size() const;

 private:
  struct Entry {
    PortLease lease;
    Clock::time_point deadline;
  };

  // With mutex_ held; the leases are destroyed by the caller after unlocking.
  void collect_expired(Clock::time_point now, std::vector<PortLease>& out);

  const Clock::duration hold_;
  mutable std::mutex mutex_;
  std::unordered_map<uint64_t, Entry> entries_;
  // In reservation order, which is deadline order up to the skew between workers' clocks
  // (an entry expires that much late, never early: take() checks its own deadline).
  // Entries already taken stay here until they reach the front.
  std::deque<std::pair<Clock::time_point, uint64_t>> by_deadline_;
};

}  // namespace tern
