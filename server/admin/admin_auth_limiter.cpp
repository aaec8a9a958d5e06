#include "server/admin/admin_auth_limiter.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cmath>

namespace tern {
namespace {

constexpr const char* kOverflowKey = "(too many sources)";

}  // namespace

std::string admin_source_key(const sockaddr* peer) {
  char text[INET6_ADDRSTRLEN] = {};
  if (peer != nullptr && peer->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(peer);
    ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    return text;
  }
  if (peer != nullptr && peer->sa_family == AF_INET6) {
    in6_addr prefix = reinterpret_cast<const sockaddr_in6*>(peer)->sin6_addr;
    std::fill(prefix.s6_addr + 8, prefix.s6_addr + 16, 0);
    ::inet_ntop(AF_INET6, &prefix, text, sizeof text);
    return std::string(text) + "/64";
  }
  return "local";
}

int64_t AdminAuthLimiter::blocked_for(const std::string& source, int64_t now_ms) {
  auto it = buckets_.find(source);
  if (it == buckets_.end() && buckets_.size() >= settings_.max_sources) {
    it = buckets_.find(kOverflowKey);
  }
  if (it == buckets_.end()) return 0;
  refill(it->second, now_ms);
  if (it->second.tokens >= 1) return 0;
  return static_cast<int64_t>(std::ceil((1 - it->second.tokens) / settings_.per_second));
}

void AdminAuthLimiter::failed(const std::string& source, int64_t now_ms) {
  Bucket& b = bucket(source, now_ms);
  b.tokens = std::max(0.0, b.tokens - 1);
}

AdminAuthLimiter::Bucket& AdminAuthLimiter::bucket(const std::string& source, int64_t now_ms) {
  if (auto it = buckets_.find(source); it != buckets_.end()) {
    refill(it->second, now_ms);
    return it->second;
  }
  if (buckets_.size() >= settings_.max_sources) forget_full(now_ms);
  // Still full: the sources spread over that many addresses share one budget rather than
  // grow the table without end.
  const std::string& key = buckets_.size() >= settings_.max_sources ? kOverflowKey : source;
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{settings_.burst, now_ms});
  if (!fresh) refill(it->second, now_ms);
  return it->second;
}

void AdminAuthLimiter::refill(Bucket& b, int64_t now_ms) const {
  if (now_ms <= b.at_ms) return;
  b.tokens = std::min(settings_.burst, b.tokens + static_cast<double>(now_ms - b.at_ms) *
                                                      settings_.per_second / 1000);
  b.at_ms = now_ms;
}

// A source back at its full budget is the same as one never seen.
void AdminAuthLimiter::forget_full(int64_t now_ms) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    refill(it->second, now_ms);
    it = it->second.tokens >= settings_.burst ? buckets_.erase(it) : std::next(it);
  }
}

bool LogThrottle::allow(int64_t now_ms, uint64_t& suppressed) {
  if (now_ms < next_ms_) {
    ++swallowed_;
    return false;
  }
  suppressed = swallowed_;
  swallowed_ = 0;
  next_ms_ = now_ms + interval_ms_;
  return true;
}

}  // namespace tern
