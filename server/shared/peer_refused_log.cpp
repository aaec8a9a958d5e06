#include "server/shared/peer_refused_log.h"

#include "base/log.h"
#include "base/log_fields.h"

namespace tern {

void PeerRefusedLog::note(const Refusal& r, int64_t now_ms) {
  if (log_ == nullptr || !log_->enabled(LogLevel::Warning)) return;
  const auto t = budget_.take(r.client, static_cast<uint32_t>(now_ms / 1000));
  if (t.suppressed_source > 0) say_suppressed(t.suppressed_source, r.client.ip_string());
  if (t.suppressed_all > 0) say_suppressed(t.suppressed_all, "*");
  if (!t.log) return;
  log_->warning("peer refused peer={} rule={} session={} user={} client={}", r.peer.to_string(),
                r.rule, r.session, log_quoted(r.user), r.client.to_string());
}

void PeerRefusedLog::say_suppressed(uint64_t count, std::string_view source) {
  log_->warning("suppressed {} similar lines: peer refused source={} window={}s", count, source,
                SourceLineBudget::kWindowS);
}

void PeerRefusedLog::flush(int64_t now_ms) {
  if (log_ == nullptr) return;
  for (const auto& e : budget_.ended(static_cast<uint32_t>(now_ms / 1000))) {
    say_suppressed(e.suppressed, e.source);
  }
}

}  // namespace tern
