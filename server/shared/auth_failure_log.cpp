#include "server/shared/auth_failure_log.h"

#include <string>

#include "base/log.h"
#include "base/log_fields.h"

namespace tern {

namespace {

std::string_view clipped(std::string_view user) {
  return user.substr(0, AuthFailureLog::kMaxUserChars);
}

}  // namespace

AuthFailureLog::AuthFailureLog(Logger* log) : log_(log) {}

void AuthFailureLog::note(const Failure& f, int64_t now_ms) {
  if (log_ == nullptr || !log_->enabled(LogLevel::Warning)) return;
  const auto t = budget_.take(f.source, static_cast<uint32_t>(now_ms / 1000));
  if (t.suppressed_source > 0) say_suppressed(t.suppressed_source, f.source.ip_string());
  if (t.suppressed_all > 0) say_suppressed(t.suppressed_all, "*");
  if (!t.log) return;
  log_->warning("authentication failed user={} realm={} source={} transport={} reason={}",
                log_quoted(f.user), log_quoted(f.realm), f.source.to_string(),
                to_string(f.transport), log_quoted(auth::to_string(f.reason)));
}

void AuthFailureLog::say_suppressed(uint64_t count, std::string_view source) {
  log_->warning("suppressed {} similar lines: authentication failed source={} window={}s", count,
                source, SourceLineBudget::kWindowS);
}

void AuthFailureLog::flush(int64_t now_ms) {
  if (log_ == nullptr) return;
  for (const auto& e : budget_.ended(static_cast<uint32_t>(now_ms / 1000))) {
    say_suppressed(e.suppressed, e.source);
  }
}

void AuthFailureLog::note_hold(const Failure& f, uint32_t hold_s, int64_t now_ms) {
  if (log_ == nullptr || !log_->enabled(LogLevel::Warning)) return;
  const auto t = budget_.take_global(static_cast<uint32_t>(now_ms / 1000));
  if (!t.log) return;
  const uint64_t from_all = t.suppressed_all;
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
