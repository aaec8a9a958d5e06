#pragma once
// RFC 8016 MOBILITY-TICKETs: what lets a client that changed address name its allocation
// again. A ticket says which allocation (the worker holding it when the ticket was issued
// and its handle there: AllocationTable::find_mobile) until when, under an HMAC
// with a secret of this process: a client cannot make one up or change one, and one from
// another ternd (or from before a restart) does not open. Who may use it is not in the
// ticket: the allocation keeps its owner's key, and the handler compares (mobility.cpp).
//
// In a fleet the secret is deliberately per node, not the Redis nonce secret: an
// allocation lives in one node's memory, so a ticket is only worth anything on the node
// that made it, and a balancer must bring the moved client back there.

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "protocol/result.h"

namespace tern {

struct TicketClaim {
  unsigned worker = 0;
  uint64_t sequence = 0;
};

class MobilityTickets {
 public:
  // 24 bytes (worker, sequence, expiry in seconds, a 96-bit tag) in base64: 32
  // printable characters, as coturn's turnutils_uclient keeps a ticket (a C string of at
  // most 32 characters).
  static constexpr size_t kSize = 32;

  MobilityTickets();  // a fresh random secret
  explicit MobilityTickets(std::span<const uint8_t, 32> secret);

  // A ticket for allocation `sequence` of `worker` (< 256; `sequence` < 2^56) that opens until
  // `expires_ms` (the steady clock of this process, as RequestContext::mono_ms; to the
  // second).
  std::vector<uint8_t> issue(unsigned worker, uint64_t sequence, int64_t expires_ms) const;
  enum class Refused { Malformed, Forged, Expired };
  Result<TicketClaim, Refused> open(std::span<const uint8_t> ticket, int64_t now_ms) const;

 private:
  std::array<uint8_t, 12> tag(std::span<const uint8_t> body) const;
  std::array<uint8_t, 32> secret_{};
};

}  // namespace tern
