#pragma once
// WARNING lines for peers the policy refuses (CreatePermission, ChannelBind: never per
// datagram), key=value, rate-limited per client IP like failed logins (SourceLineBudget)
// so a client probing the operator's network cannot fill a disk.

#include <cstdint>
#include <string_view>

#include "protocol/transport_address.h"
#include "server/shared/budgeted_log.h"

namespace tern {

class Logger;

class PeerRefusedLog {
 public:
  static constexpr uint32_t kLinesPerSource = 3;   // per client IP per minute
  static constexpr uint32_t kLinesPerMinute = 60;  // all clients together

  // `log` may be null (nothing is written); it must outlive this.
  explicit PeerRefusedLog(Logger* log)
      : lines_(log, "peer refused", kLinesPerSource, kLinesPerMinute) {}

  struct Refusal {
    std::string_view session;
    std::string_view user;
    const TransportAddress& client;
    const TransportAddress& peer;
    std::string_view rule;  // PeerPolicy::refusal_rule
  };
  void note(const Refusal& r, int64_t now_ms);
  // The "suppressed N similar" of clients that stopped (the main thread's tick).
  void flush(int64_t now_ms) { lines_.flush(now_ms); }

 private:
  BudgetedLog lines_;
};

}  // namespace tern
