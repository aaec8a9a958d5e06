#pragma once
// Per-source limit on unauthenticated answers over UDP. A 401 carries REALM, NONCE and
// PASSWORD-ALGORITHMS, so it is larger than the request that earns it: unlimited, a
// spoofed flood would turn tern into a reflector. Each worker keeps a fixed table of
// token buckets indexed by a keyed hash of the source IP, so a flood from many spoofed
// sources costs no memory (colliding sources share a bucket, which only errs towards
// limiting).

#include <array>
#include <cstdint>

#include "protocol/transport_address.h"

namespace tern {

class ChallengeLimiter {
 public:
  static constexpr size_t kBuckets = 4096;

  // `per_second` answers per source IP, with bursts of twice that; 0 turns limiting off.
  explicit ChallengeLimiter(uint32_t per_second);

  // Takes a token for `source`'s IP; false when its bucket is empty.
  bool allow(const TransportAddress& source, int64_t now_ms);

 private:
  struct Bucket {
    int64_t updated_ms = 0;
    uint32_t tokens_milli = 0;  // thousandths of a token
  };
  size_t index(const TransportAddress& source) const;

  uint32_t per_second_;
  uint32_t burst_milli_;
  uint64_t key_;
  std::array<Bucket, kBuckets> buckets_{};
};

}  // namespace tern
