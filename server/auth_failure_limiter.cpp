#include "server/auth_failure_limiter.h"

#include <openssl/rand.h>

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

uint64_t pack(uint32_t time_s, bool held, uint32_t count) {
  return (uint64_t{time_s} << 32) | (held ? 1ull << 31 : 0) | (count & ((1ull << 31) - 1));
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
  const uint64_t e = slots_[key % kSlots].load(std::memory_order_relaxed);
  return (e & kHeldBit) && seconds(now_ms) < static_cast<uint32_t>(e >> 32);
}

bool AuthFailureLimiter::fail(uint64_t key, int64_t now_ms) {
  if (budget_.per_source == 0) return false;
  std::atomic<uint64_t>& slot = slots_[key % kSlots];
  const uint32_t now = seconds(now_ms);
  uint64_t e = slot.load(std::memory_order_relaxed);
  for (;;) {
    const uint32_t time = static_cast<uint32_t>(e >> 32);
    const bool was_held = (e & kHeldBit) != 0;
    if (was_held && now < time) return false;  // held already: nothing left to count
    uint32_t count = static_cast<uint32_t>(e & kCountMask);
    uint32_t start = time;
    if (was_held || e == 0 || now - time >= kWindowS) {
      start = now;  // a fresh window
      count = 0;
    }
    ++count;
    const bool hold = count >= budget_.per_source;
    const uint64_t next = hold ? pack(now + budget_.hold_s, true, 0) : pack(start, false, count);
    if (slot.compare_exchange_weak(e, next, std::memory_order_relaxed)) return hold;
  }
}

}  // namespace tern
