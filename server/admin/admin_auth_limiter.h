#pragma once
// Failed admin-token guesses, budgeted per source: a source may fail a burst at once and
// then about once a second. A source out of budget is answered 429 whatever token it
// sends, so a guess is never told apart from a wrong one while it is held back. Admin
// thread only.

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <unordered_map>

namespace tern {

// Who is guessing: an IPv4 address, an IPv6 /64 (what one host is usually given), or
// "local" for a unix socket peer.
std::string admin_source_key(const sockaddr* peer);

class AdminAuthLimiter {
 public:
  struct Settings {
    double burst = 20;          // failures allowed at once
    double per_second = 1;      // budget regained per second
    size_t max_sources = 4096;  // beyond this, new sources share one budget
  };
  AdminAuthLimiter() : AdminAuthLimiter(Settings{}) {}
  explicit AdminAuthLimiter(Settings settings) : settings_(settings) {}

  // 0 when `source` may present a token now; else whole seconds until it may (Retry-After).
  int64_t blocked_for(const std::string& source, int64_t now_ms);
  // `source` presented a missing or wrong token.
  void failed(const std::string& source, int64_t now_ms);

 private:
  struct Bucket {
    double tokens;
    int64_t at_ms;
  };
  Bucket& bucket(const std::string& source, int64_t now_ms);
  void refill(Bucket& b, int64_t now_ms) const;
  void forget_full(int64_t now_ms);

  Settings settings_;
  std::unordered_map<std::string, Bucket> buckets_;
};

// At most one log line per interval for a repeated event, carrying how many were not
// logged since the last line.
class LogThrottle {
 public:
  explicit LogThrottle(int64_t interval_ms) : interval_ms_(interval_ms) {}
  // True when this occurrence is to be logged; `suppressed` is then how many were
  // swallowed before it.
  bool allow(int64_t now_ms, uint64_t& suppressed);

 private:
  int64_t interval_ms_;
  int64_t next_ms_ = 0;
  uint64_t swallowed_ = 0;
};

}  // namespace tern
