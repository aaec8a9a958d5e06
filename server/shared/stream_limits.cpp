#include "server/shared/stream_limits.h"

#include <openssl/rand.h>

#include <algorithm>

namespace tern {

StreamLimits::StreamLimits(const StreamSettings& settings) : settings_(settings) {
  // Keys the sender cannot guess keep them from aiming their connections at another
  // source's buckets.
  RAND_bytes(reinterpret_cast<unsigned char*>(keys_.data()), sizeof keys_);
}

std::array<size_t, 2> StreamLimits::buckets(const TransportAddress& source) const {
  // An IPv6 source is judged by its /64: one subscriber's prefix, which holds more
  // addresses than any per-IP count could follow.
  const size_t bytes = source.family == Family::V4 ? 4 : 8;
  std::array<size_t, 2> out{};
  for (size_t k = 0; k < out.size(); ++k) {
    uint64_t h = (keys_[k] ^ 0x9E3779B97F4A7C15ull) + static_cast<uint8_t>(source.family);
    for (size_t i = 0; i < bytes; ++i) {
      h = (h ^ source.ip[i]) * 0x100000001B3ull;
      h ^= h >> 29;
    }
    out[k] = static_cast<size_t>(h % kBuckets);
  }
  return out;
}

StreamLimits::Admission StreamLimits::admit(const TransportAddress& source) {
  const uint32_t total = total_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (settings_.total != 0 && total > settings_.total) {
    total_.fetch_sub(1, std::memory_order_relaxed);
    return Admission::ServerFull;
  }
  const auto [a, b] = buckets(source);
  const uint32_t in_a = per_ip_[a].fetch_add(1, std::memory_order_relaxed) + 1;
  const uint32_t in_b = per_ip_[b].fetch_add(1, std::memory_order_relaxed) + 1;
  if (settings_.per_ip != 0 && std::min(in_a, in_b) > settings_.per_ip) {
    release(source);
    return Admission::SourceFull;
  }
  return Admission::Admitted;
}

void StreamLimits::release(const TransportAddress& source) {
  const auto [a, b] = buckets(source);
  per_ip_[a].fetch_sub(1, std::memory_order_relaxed);
  per_ip_[b].fetch_sub(1, std::memory_order_relaxed);
  total_.fetch_sub(1, std::memory_order_relaxed);
}

bool StreamLimits::note_accept_failure(int64_t now_ms, uint64_t& count) {
  accept_failures_.fetch_add(1, std::memory_order_relaxed);
  int64_t last = accept_logged_ms_.load(std::memory_order_relaxed);
  if (now_ms - last < 60'000 ||
      !accept_logged_ms_.compare_exchange_strong(last, now_ms, std::memory_order_relaxed)) {
    return false;
  }
  count = accept_failures_.exchange(0, std::memory_order_relaxed);
  return true;
}

}  // namespace tern
