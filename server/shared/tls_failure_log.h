#pragma once
// WARNING lines for failed TLS handshakes (who, on which listener, OpenSSL's reason),
// rate-limited per source IP like failed logins (SourceLineBudget): a scanner or a client
// with a stale CA is worth a few lines a minute, not a full disk.

#include <cstdint>
#include <string_view>

#include "protocol/transport_address.h"
#include "server/shared/source_line_budget.h"

namespace tern {

class Logger;

class TlsFailureLog {
 public:
  static constexpr uint32_t kLinesPerSource = 3;   // per client IP per minute
  static constexpr uint32_t kLinesPerMinute = 60;  // all clients together

  // `log` may be null (nothing is written); it must outlive this.
  explicit TlsFailureLog(Logger* log) : log_(log) {}

  struct Failure {
    const TransportAddress& source;
    const TransportAddress& listener;
    std::string_view reason;  // OpenSSL's reason string, or what ended the handshake
  };
  void note(const Failure& f, int64_t now_ms);
  // The "suppressed N similar" of sources that stopped (the main thread's tick).
  void flush(int64_t now_ms);

 private:
  void say_suppressed(uint64_t count, std::string_view source);

  Logger* log_;
  SourceLineBudget budget_{kLinesPerSource, kLinesPerMinute};
};

}  // namespace tern
