#pragma once
// WARNING lines for failed TLS handshakes (who, on which listener, OpenSSL's reason),
// rate-limited per source IP like failed logins (SourceLineBudget): a scanner or a client
// with a stale CA is worth a few lines a minute, not a full disk.

#include <cstdint>
#include <string_view>

#include "protocol/transport_address.h"
#include "server/shared/budgeted_log.h"

namespace tern {

class Logger;

class TlsFailureLog {
 public:
  static constexpr uint32_t kLinesPerSource = 3;   // per client IP per minute
  static constexpr uint32_t kLinesPerMinute = 60;  // all clients together

  // `log` may be null (nothing is written); it must outlive this.
  explicit TlsFailureLog(Logger* log)
      : lines_(log, "TLS handshake failed", kLinesPerSource, kLinesPerMinute) {}

  struct Failure {
    const TransportAddress& source;
    const TransportAddress& listener;
    std::string_view reason;  // OpenSSL's reason string, or what ended the handshake
  };
  void note(const Failure& f, int64_t now_ms);
  // The "suppressed N similar" of sources that stopped (the main thread's tick).
  void flush(int64_t now_ms) { lines_.flush(now_ms); }

 private:
  BudgetedLog lines_;
};

}  // namespace tern
