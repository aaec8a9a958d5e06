#include "server/shared/auth_failure_log.h"

#include <openssl/rand.h>

#include <string>

#include "base/log.h"

namespace tern {

namespace {

constexpr uint32_t kMinuteS = 60;

uint64_t pack(uint32_t start_s, uint32_t count) {
  return (uint64_t{start_s} << 32) | count;
}

std::string_view clipped(std::string_view user) {
  return user.substr(0, AuthFailureLog::kMaxUserChars);
}

}  // namespace

AuthFailureLog::AuthFailureLog(Logger* log) : log_(log), hash_key_(0) {
  RAND_bytes(reinterpret_cast<unsigned char*>(&hash_key_), sizeof hash_key_);
}

size_t AuthFailureLog::index(const TransportAddress& source) const {
  uint64_t h = hash_key_ ^ 0x9E3779B97F4A7C15ull;
  for (uint8_t b : source.ip_bytes()) {
    h = (h ^ b) * 0x100000001B3ull;
    h ^= h >> 29;
  }
  return static_cast<size_t>(h % kSlots);
}

bool AuthFailureLog::take(std::atomic<uint64_t>& slot, uint32_t limit, uint32_t now_s,
                          uint64_t& suppressed) {
  uint64_t e = slot.load(std::memory_order_relaxed);
  for (;;) {
    const uint32_t start = static_cast<uint32_t>(e >> 32);
    const uint32_t count = static_cast<uint32_t>(e);
    const bool fresh = e == 0 || now_s - start >= kMinuteS;
    const uint32_t taken = fresh ? 1 : (count == UINT32_MAX ? count : count + 1);
    if (slot.compare_exchange_weak(e, pack(fresh ? now_s : start, taken),
                                   std::memory_order_relaxed)) {
      suppressed = fresh && count > limit ? count - limit : 0;
      return taken <= limit;
    }
  }
}

void AuthFailureLog::note(const Failure& f, int64_t now_ms) {
  if (log_ == nullptr || !log_->enabled(LogLevel::Warning)) return;
  const uint32_t now_s = static_cast<uint32_t>(now_ms / 1000);
  uint64_t from_source = 0, from_all = 0;
  if (!take(slots_[index(f.source)], kLinesPerSource, now_s, from_source)) return;
  if (!take(global_, kLinesPerMinute, now_s, from_all)) return;
  std::string also;
  if (from_source > 0) {
    also += fmt::format("; {} more from this address in the minute before not logged", from_source);
  }
  if (from_all > 0) {
    also += fmt::format("; {} lines from all addresses not logged in the minute before", from_all);
  }
  log_->warning("authentication failed: user \"{}\" realm \"{}\" from {} over {}: {}{}",
                clipped(f.user), clipped(f.realm), f.source.to_string(), to_string(f.transport),
                auth::to_string(f.reason), also);
}

void AuthFailureLog::note_hold(const Failure& f, uint32_t hold_s, int64_t now_ms) {
  if (log_ == nullptr || !log_->enabled(LogLevel::Warning)) return;
  uint64_t from_all = 0;
  if (!take(global_, kLinesPerMinute, static_cast<uint32_t>(now_ms / 1000), from_all)) return;
  // Over UDP the hold is per username (auth_failure_limiter.h), so the line names it.
  const std::string who =
      f.transport == Transport::Udp
          ? fmt::format("{} for user \"{}\" over UDP", f.source.ip_string(), clipped(f.user))
          : f.source.ip_string();
  log_->warning(
      "too many failed authentications from {}: its authenticated requests are refused (401) "
      "unchecked for {} s{}",
      who, hold_s,
      from_all > 0 ? fmt::format("; {} lines not logged in the minute before", from_all) : "");
}

}  // namespace tern
