#include "server/challenge_limiter.h"

#include <openssl/rand.h>

#include <algorithm>

namespace tern {

ChallengeLimiter::ChallengeLimiter(uint32_t per_second)
    : per_second_(per_second), burst_milli_(per_second * 2 * 1000), key_(0) {
  // A key the sender cannot guess keeps them from aiming a flood at one victim's bucket.
  RAND_bytes(reinterpret_cast<unsigned char*>(&key_), sizeof key_);
  for (auto& b : buckets_) b.tokens_milli = burst_milli_;
}

size_t ChallengeLimiter::index(const TransportAddress& source) const {
  uint64_t h = key_ ^ 0x9E3779B97F4A7C15ull;
  for (size_t i = 0; i < source.ip_size(); ++i) {
    h = (h ^ source.ip[i]) * 0x100000001B3ull;
    h ^= h >> 29;
  }
  return static_cast<size_t>(h % kBuckets);
}

bool ChallengeLimiter::allow(const TransportAddress& source, int64_t now_ms) {
  if (per_second_ == 0) return true;
  Bucket& b = buckets_[index(source)];
  const int64_t elapsed = std::max<int64_t>(0, now_ms - b.updated_ms);
  b.updated_ms = now_ms;
  const uint64_t refill = static_cast<uint64_t>(elapsed) * per_second_;  // ms × per s = milli
  b.tokens_milli = static_cast<uint32_t>(std::min<uint64_t>(burst_milli_, b.tokens_milli + refill));
  if (b.tokens_milli < 1000) return false;
  b.tokens_milli -= 1000;
  return true;
}

}  // namespace tern
