#pragma once
// WARNING lines for admin requests refused 401 (no token, or a wrong one): from where,
// for which path, never the token. Budgeted per source like failed TURN logins
// (SourceLineBudget), so a guessing script cannot fill a disk and one noisy source does
// not hide the others.

#include <sys/socket.h>

#include <cstdint>
#include <string_view>

#include "server/shared/budgeted_log.h"

namespace tern {

class Logger;

class AdminUnauthorizedLog {
 public:
  static constexpr uint32_t kLinesPerSource = 3;   // per source IP per minute
  static constexpr uint32_t kLinesPerMinute = 30;  // all sources together

  explicit AdminUnauthorizedLog(Logger& log)
      : lines_(&log, "admin API unauthorized", kLinesPerSource, kLinesPerMinute) {}

  struct Refusal {
    const sockaddr* peer;  // null or a unix socket's peer: "local"
    std::string_view path;
    bool token_given;  // wrong rather than missing
  };
  void note(const Refusal& r, int64_t now_ms);
  // The "suppressed N similar" of sources that stopped (the main thread's tick).
  void flush(int64_t now_ms) { lines_.flush(now_ms); }

 private:
  BudgetedLog lines_;
};

}  // namespace tern
