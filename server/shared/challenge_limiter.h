#pragma once
// Per-source limits on unauthenticated answers over UDP. A 401 carries REALM, NONCE and
// PASSWORD-ALGORITHMS, and a Binding answer two addresses, so each is larger than the
// request that earns it: unlimited, a spoofed flood would turn tern into a reflector.
//
// One table of token buckets serves every worker, so the limit holds per source IP for
// the whole server however many workers SO_REUSEPORT spreads one source's ports over.
// A bucket is one 64-bit word (last refill in ms, thousandths of a token) changed by
// compare-and-swap: no lock on the packet path, and a refused packet writes nothing, so
// a flood from one source does not bounce the bucket's cache line between workers.
// Buckets are indexed by a keyed hash of the source IP and the table has a fixed size,
// so a flood from many spoofed sources costs no memory (colliding sources share a
// bucket, which only errs towards limiting).

#include <atomic>
#include <cstdint>
#include <memory>

#include "protocol/transport_address.h"

namespace tern {

class ChallengeLimiter {
 public:
  static constexpr int kBucketBits = 14;
  static constexpr size_t kBuckets = size_t{1} << kBucketBits;  // 128 KiB

  // `per_second` answers per source IP, with bursts of twice that; 0 turns limiting off.
  explicit ChallengeLimiter(uint32_t per_second);

  // Takes a token for `source`'s IP; false when its bucket is empty. Thread-safe.
  bool allow(const TransportAddress& source, int64_t now_ms);

 private:
  size_t index(const TransportAddress& source) const;

  uint32_t per_second_;
  uint32_t burst_milli_;
  uint64_t key_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
};

// What ternd answers a UDP source before it has proved who it is, limited per source IP
// for the whole server: owned by the Server, shared by every worker's dispatcher.
struct UnauthenticatedLimits {
  UnauthenticatedLimits(uint32_t error_rate, uint32_t binding_rate)
      : errors(error_rate), bindings(binding_rate) {}

  ChallengeLimiter errors;    // --challenge-rate: every error sent before integrity is checked
  ChallengeLimiter bindings;  // --binding-rate: Binding success responses
};

}  // namespace tern
