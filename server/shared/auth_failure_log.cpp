#include "server/shared/auth_failure_log.h"

#include <openssl/rand.h>

#include <string>
#include <vector>

#include "base/log.h"
#include "base/log_fields.h"

namespace tern {

namespace {

constexpr uint32_t kMinuteS = 60;

uint64_t pack(uint32_t start_s, uint32_t count) {
  return (uint64_t{start_s} << 32) | count;
}

std::string_view clipped(std::string_view user) {
  return user.substr(0, AuthFailureLog::kMaxUserChars);
}

uint32_t start_of(uint64_t e) {
  return static_cast<uint32_t>(e >> 32);
}
uint32_t count_of(uint64_t e) {
  return static_cast<uint32_t>(e);
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
                          uint64_t& suppressed, uint32_t& taken) {
  uint64_t e = slot.load(std::memory_order_relaxed);
  for (;;) {
    const uint32_t start = start_of(e);
    const uint32_t count = count_of(e);
    const bool fresh = e == 0 || now_s - start >= kMinuteS;
    taken = fresh ? 1 : (count == UINT32_MAX ? count : count + 1);
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
  uint32_t taken = 0;
  const size_t slot = index(f.source);
  const bool source_ok = take(slots_[slot], kLinesPerSource, now_s, from_source, taken);
  if (from_source > 0) say_suppressed(from_source, f.source.ip_string());
  if (!source_ok) {
    if (taken == kLinesPerSource + 1) {  // the first one over: flush() will say the rest
      const uint32_t start = start_of(slots_[slot].load(std::memory_order_relaxed));
      std::lock_guard lock(over_mutex_);
      if (over_.size() < kSlots) over_.push_back({slot, start, f.source.ip_string()});
    }
    return;
  }
  if (!take(global_, kLinesPerMinute, now_s, from_all, taken)) return;
  if (from_all > 0) say_suppressed(from_all, "*");
  log_->warning("authentication failed user={} realm={} source={} transport={} reason={}",
                log_quoted(f.user), log_quoted(f.realm), f.source.to_string(),
                to_string(f.transport), log_quoted(auth::to_string(f.reason)));
}

void AuthFailureLog::say_suppressed(uint64_t count, std::string_view source) {
  log_->warning("suppressed {} similar lines: authentication failed source={} window={}s", count,
                source, kMinuteS);
}

void AuthFailureLog::flush(int64_t now_ms) {
  if (log_ == nullptr) return;
  const uint32_t now_s = static_cast<uint32_t>(now_ms / 1000);
  std::vector<Over> ended;
  {
    std::lock_guard lock(over_mutex_);
    std::erase_if(over_, [&](const Over& o) {
      if (now_s - o.start_s < kMinuteS) return false;
      ended.push_back(o);
      return true;
    });
  }
  for (const Over& o : ended) {
    // Closes the minute unless a new failure did (then its line said the count).
    uint64_t e = slots_[o.slot].load(std::memory_order_relaxed);
    while (e != 0 && start_of(e) == o.start_s &&
           !slots_[o.slot].compare_exchange_weak(e, 0, std::memory_order_relaxed)) {
    }
    if (e == 0 || start_of(e) != o.start_s || count_of(e) <= kLinesPerSource) continue;
    say_suppressed(count_of(e) - kLinesPerSource, o.source);
  }
}

void AuthFailureLog::note_hold(const Failure& f, uint32_t hold_s, int64_t now_ms) {
  if (log_ == nullptr || !log_->enabled(LogLevel::Warning)) return;
  uint64_t from_all = 0;
  uint32_t taken = 0;
  if (!take(global_, kLinesPerMinute, static_cast<uint32_t>(now_ms / 1000), from_all, taken)) {
    return;
  }
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
