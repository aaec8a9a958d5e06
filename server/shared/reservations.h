#pragma once
// Ports held for a later allocation (RFC 8656 §7.2): an Allocate with EVEN-PORT and the R
// bit gets an even port and the odd one above it is kept under a RESERVATION-TOKEN, which a
// second Allocate presents to get it. Shared by all workers, so behind a mutex; closing
// sockets and returning ports to their pool happen after it is released.
//
// A reservation holds a place in its user's quota (and the total) like an allocation, else
// EVEN-PORT R plus Refresh 0 in a loop would hold ports past --user-quota. The place goes
// back when the reservation expires, or becomes the claiming allocation's. Any user may
// claim a token (RFC 8656 §7.2 ties it to no user, and REST credentials are often minted
// afresh between the two Allocates); the place then moves to the claimer, who must have
// room in their quota (else 486, and the reservation stays for its owner).

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "protocol/result.h"
#include "server/shared/quotas.h"
#include "server/shared/relay_ports.h"

namespace tern {

using ReservationToken = std::array<uint8_t, 8>;

struct Reserved {
  PortLease lease;
  QuotaCharge charge;  // the claimer's now
};

enum class ClaimError {
  Invalid,       // unknown, already taken or expired: 508 (RFC 8656 §7.2 step 5)
  QuotaReached,  // the claimer's quota is full: 486, and the reservation stays
};

class Reservations {
 public:
  using Clock = std::chrono::steady_clock;

  // RFC 8656 §7.2: the port is reserved "for at least 30 seconds".
  explicit Reservations(std::chrono::seconds hold = std::chrono::seconds(30));

  // Keeps `lease` (its socket stays bound, so no other process takes the port either) and
  // its user's quota place `charge` under a fresh random token, until take() or until
  // `hold` has passed since `now`. nullopt only if the CSPRNG fails, and then both are let
  // go.
  std::optional<ReservationToken> reserve(PortLease lease, QuotaCharge charge,
                                          Clock::time_point now);
  // The reserved lease and its quota place, moved to `claimer`, once.
  Result<Reserved, ClaimError> take(std::span<const uint8_t, 8> token, const std::string& claimer,
                                    Clock::time_point now);
  // Gives back the ports and quota places of expired reservations; for a periodic timer
  // (reserve() also does it, so memory stays bounded without one).
  void expire(Clock::time_point now);

  size_t size() const;

 private:
  struct Entry {
    Reserved held;
    Clock::time_point deadline;
  };

  // With mutex_ held; the leases and charges are destroyed by the caller after unlocking.
  void collect_expired(Clock::time_point now, std::vector<Reserved>& out);

  const Clock::duration hold_;
  mutable std::mutex mutex_;
  std::unordered_map<uint64_t, Entry> entries_;
  // In reservation order, which is deadline order up to the skew between workers' clocks
  // (an entry expires that much late, never early: take() checks its own deadline).
  // Entries already taken stay here until they reach the front.
  std::deque<std::pair<Clock::time_point, uint64_t>> by_deadline_;
};

}  // namespace tern
