#include "server/shared/tls_failure_log.h"

#include "base/log.h"
#include "base/log_fields.h"

namespace tern {

void TlsFailureLog::note(const Failure& f, int64_t now_ms) {
  if (log_ == nullptr || !log_->enabled(LogLevel::Warning)) return;
  const auto t = budget_.take(f.source, static_cast<uint32_t>(now_ms / 1000));
  if (t.suppressed_source > 0) say_suppressed(t.suppressed_source, f.source.ip_string());
  if (t.suppressed_all > 0) say_suppressed(t.suppressed_all, "*");
  if (!t.log) return;
  log_->warning("TLS handshake failed source={} listener={} reason={}", f.source.to_string(),
                f.listener.to_string(), log_quoted(f.reason));
}

void TlsFailureLog::say_suppressed(uint64_t count, std::string_view source) {
  log_->warning("suppressed {} similar lines: TLS handshake failed source={} window={}s", count,
                source, SourceLineBudget::kWindowS);
}

void TlsFailureLog::flush(int64_t now_ms) {
  if (log_ == nullptr) return;
  for (const auto& e : budget_.ended(static_cast<uint32_t>(now_ms / 1000))) {
    say_suppressed(e.suppressed, e.source);
  }
}

}  // namespace tern
