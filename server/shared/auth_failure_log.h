#pragma once
// WARNING lines for failed authentications (who, which realm, from where, why: key=value),
// bounded so a guessing flood cannot fill a disk: each source gets a few lines a minute
// and the rest are counted into a "suppressed N similar" line, written when the source
// fails again after its minute or, if it stopped, by flush() from the main thread's tick;
// all sources together get at most kLinesPerMinute lines, with their own summary. Shared by every
// worker; the counters are atomic words in a keyed-hash table, so deciding costs no lock (the line
// itself takes the logger's mutex, a few times a minute at most). Passwords never reach this class:
// only what the request claims about itself.

#include <cstdint>
#include <string_view>

#include "auth/authenticator.h"
#include "protocol/transport_address.h"
#include "server/core/request_context.h"
#include "server/shared/budgeted_log.h"

namespace tern {

class Logger;

class AuthFailureLog {
 public:
  static constexpr uint32_t kLinesPerSource = 3;   // per source IP per minute
  static constexpr uint32_t kLinesPerMinute = 60;  // all sources together
  static constexpr size_t kMaxUserChars = 64;      // a USERNAME may be 513 bytes

  // `log` may be null (nothing is written); it must outlive this.
  explicit AuthFailureLog(Logger* log)
      : lines_(log, "authentication failed", kLinesPerSource, kLinesPerMinute) {}

  struct Failure {
    std::string_view user;  // as claimed; empty when it could not be read
    std::string_view realm;
    const TransportAddress& source;
    Transport transport;
    auth::AuthFailure reason;
  };
  void note(const Failure& f, int64_t now_ms);
  // A key has spent its budget: said once per hold (limited by the global cap only).
  void note_hold(const Failure& f, uint32_t hold_s, int64_t now_ms);
  // Says the "suppressed N similar" of each source whose minute has ended with lines
  // not logged and that has not failed since. Off the packet path (the main thread's tick).
  void flush(int64_t now_ms) { lines_.flush(now_ms); }

 private:
  BudgetedLog lines_;
};

}  // namespace tern
