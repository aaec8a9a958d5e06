#include "server/shared/auth_failure_limiter.h"

#include <openssl/rand.h>

#include <algorithm>

namespace tern {

namespace {

uint64_t mix(uint64_t h, uint8_t byte) {
  h = (h ^ byte) * 0x100000001B3ull;
  return h ^ (h >> 29);
}

// An IPv6 source is its /64: one subscriber's prefix holds more addresses than any table,
// so a budget per address would be none.
uint64_t hash_ip(uint64_t seed, const TransportAddress& source) {
  uint64_t h = seed ^ 0x9E3779B97F4A7C15ull;
  h = mix(h, static_cast<uint8_t>(source.family));
  const size_t bytes = source.family == Family::V6 ? 8 : 4;
  for (size_t i = 0; i < bytes; ++i) h = mix(h, source.ip[i]);
  return h;
}

// Seconds since an arbitrary start; steady milliseconds fit 32-bit seconds for a century.
uint32_t seconds(int64_t now_ms) {
  return static_cast<uint32_t>(now_ms / 1000);
}

// One way of a bucket, packed in a word: the window start, or the hold's end, in seconds;
// 20 bits of the key, told apart from the bucket's other keys; a held flag; the failures
// counted in the window. Zero is an empty way.
struct Way {
  uint32_t time = 0;
  uint32_t tag = 0;
  bool held = false;
  uint32_t count = 0;

  static Way of(uint64_t w) {
    return {static_cast<uint32_t>(w >> 32), static_cast<uint32_t>(w >> 12) & 0xFFFFF,
            ((w >> 11) & 1) != 0, static_cast<uint32_t>(w & 0x7FF)};
  }
  uint64_t word() const {
    return (uint64_t{time} << 32) | (uint64_t{tag & 0xFFFFF} << 12) | (held ? 1u << 11 : 0u) |
           (count & 0x7FF);
  }
  bool holding(uint32_t now) const { return held && now < time; }
  // Nothing worth keeping: empty, an ended hold, or a window that ran out.
  bool idle(uint32_t now) const {
    return (time == 0 && count == 0 && !held) || (held && now >= time) ||
           (!held && now - time >= AuthFailureLimiter::kWindowS);
  }
};

// Never 0, so a used way is never mistaken for an empty one.
uint32_t tag_of(uint64_t key) {
  const uint32_t t = static_cast<uint32_t>(key >> 40) & 0xFFFFF;
  return t == 0 ? 1 : t;
}

// Which way a new key takes when its own is not there: the one least worth keeping.
size_t victim(const std::array<Way, AuthFailureLimiter::kWays>& ways, uint32_t now) {
  size_t best = 0;
  auto rank = [now](const Way& w) -> uint64_t {
    if (w.idle(now)) return 0;
    if (!w.holding(now)) return 1 + w.count;      // fewest failures first
    return (uint64_t{1} << 32) + (w.time - now);  // the hold that ends first
  };
  for (size_t i = 1; i < ways.size(); ++i) {
    if (rank(ways[i]) < rank(ways[best])) best = i;
  }
  return best;
}

}  // namespace

AuthFailureLimiter::AuthFailureLimiter(AuthFailureBudget budget) : budget_(budget), hash_key_(0) {
  // A key the sender cannot guess keeps anyone from aiming their failures at a victim's
  // slot.
  RAND_bytes(reinterpret_cast<unsigned char*>(&hash_key_), sizeof hash_key_);
}

uint64_t AuthFailureLimiter::key(const TransportAddress& source) const {
  return hash_ip(hash_key_, source);
}

uint64_t AuthFailureLimiter::key(const TransportAddress& source,
                                 std::span<const uint8_t> identity) const {
  uint64_t h = mix(hash_ip(hash_key_, source), 0xff);  // never equal to the IP alone
  for (uint8_t b : identity) h = mix(h, b);
  return h;
}

bool AuthFailureLimiter::held(uint64_t key, int64_t now_ms) const {
  if (budget_.per_source == 0) return false;
  const uint32_t tag = tag_of(key), now = seconds(now_ms);
  for (const auto& slot : bucket(key)) {
    const Way w = Way::of(slot.load(std::memory_order_relaxed));
    if (w.tag == tag && w.holding(now)) return true;
  }
  return false;
}

bool AuthFailureLimiter::fail(uint64_t key, int64_t now_ms) {
  if (budget_.per_source == 0) return false;
  const uint32_t tag = tag_of(key), now = seconds(now_ms);
  const uint32_t limit = std::min(budget_.per_source, kMaxBudget);
  Bucket& b = bucket(key);
  // Lock-free: a round is lost only to another worker's update of the same bucket.
  for (;;) {
    std::array<uint64_t, kWays> words{};
    std::array<Way, kWays> ways{};
    size_t at = kWays;
    for (size_t i = 0; i < kWays; ++i) {
      words[i] = b[i].load(std::memory_order_relaxed);
      ways[i] = Way::of(words[i]);
      if (at == kWays && ways[i].tag == tag) at = i;
    }
    Way w;
    if (at < kWays && ways[at].holding(now)) return false;  // held already: nothing to count
    if (at < kWays && !ways[at].idle(now)) {
      w = ways[at];
    } else {
      if (at == kWays) at = victim(ways, now);
      w = Way{.time = now, .tag = tag, .held = false, .count = 0};
    }
    ++w.count;
    const bool hold = w.count >= limit;
    if (hold) w = Way{.time = now + budget_.hold_s, .tag = tag, .held = true, .count = 0};
    if (b[at].compare_exchange_strong(words[at], w.word(), std::memory_order_relaxed)) {
      return hold;
    }
  }
}

}  // namespace tern
