#include "server/shared/challenge_limiter.h"

#include <openssl/rand.h>

#include <algorithm>
#include <optional>

namespace tern {

namespace {

static_assert(std::atomic<uint64_t>::is_always_lock_free);

// Workers read the clock once per batch, so one may act on a time a little older than
// what another already stored. Further back than this, the 32-bit ms clock has wrapped
// (the bucket sat idle for over 24 days): it is full again.
constexpr int32_t kClockSkewMs = 60'000;

uint64_t pack(uint32_t updated_ms, uint32_t tokens_milli) {
  return uint64_t{updated_ms} << 32 | tokens_milli;
}

// The bucket word after taking one token at `now`, or nullopt when it holds less than one.
std::optional<uint64_t> take_token(uint64_t word, uint32_t now, uint32_t per_second,
                                   uint32_t burst_milli) {
  auto updated = static_cast<uint32_t>(word >> 32);
  uint64_t tokens = static_cast<uint32_t>(word);
  const auto behind = static_cast<int32_t>(now - updated);
  if (behind >= 0) {
    tokens += uint64_t{static_cast<uint32_t>(behind)} * per_second;  // ms × per s = milli
    updated = now;
  } else if (behind < -kClockSkewMs) {
    tokens = burst_milli;
    updated = now;
  }
  tokens = std::min<uint64_t>(tokens, burst_milli);
  if (tokens < 1000) return std::nullopt;
  return pack(updated, static_cast<uint32_t>(tokens - 1000));
}

}  // namespace

ChallengeLimiter::ChallengeLimiter(uint32_t per_second)
    : per_second_(per_second), burst_milli_(per_second * 2 * 1000), key_(0) {
  if (per_second_ == 0) return;
  // A key the sender cannot guess keeps them from aiming a flood at one victim's bucket.
  RAND_bytes(reinterpret_cast<unsigned char*>(&key_), sizeof key_);
  buckets_ = std::make_unique<std::atomic<uint64_t>[]>(kBuckets);
  for (size_t i = 0; i < kBuckets; ++i) buckets_[i].store(pack(0, burst_milli_));
}

size_t ChallengeLimiter::index(const TransportAddress& source) const {
  static_assert(kBuckets == size_t{1} << kBucketBits);
  // Two multiply rounds over the address as two words (a Binding pays for this on every
  // packet); the top bits of a product depend on every bit of the input.
  uint64_t h = hash_mix(key_, source.word(0));
  h = hash_mix(h, source.word(1) ^ static_cast<uint8_t>(source.family));
  return static_cast<size_t>((h * 0x9E3779B97F4A7C15ull) >> (64 - kBucketBits));
}

bool ChallengeLimiter::allow(const TransportAddress& source, int64_t now_ms) {
  if (per_second_ == 0) return true;
  std::atomic<uint64_t>& bucket = buckets_[index(source)];
  const auto now = static_cast<uint32_t>(now_ms);
  uint64_t seen = bucket.load(std::memory_order_relaxed);
  for (;;) {
    const auto next = take_token(seen, now, per_second_, burst_milli_);
    if (!next) return false;
    // Relaxed: the word is the whole state, nothing else is published with it.
    if (bucket.compare_exchange_weak(seen, *next, std::memory_order_relaxed)) return true;
  }
}

}  // namespace tern
