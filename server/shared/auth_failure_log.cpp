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

void AuthFailureLog::note(const Failure& f, int64_t now_ms) {
  if (!lines_.admit(f.source, now_ms)) return;
  lines_.logger().warning("authentication failed user={} realm={} source={} transport={} reason={}",
                          log_quoted(f.user), log_quoted(f.realm), f.source.to_string(),
                          to_string(f.transport), log_quoted(auth::to_string(f.reason)));
}

void AuthFailureLog::note_hold(const Failure& f, uint32_t hold_s, int64_t now_ms) {
  const auto from_all = lines_.admit_global(now_ms);
  if (!from_all) return;
  // Over UDP the hold is per username (auth_failure_limiter.h), so the line names it.
  const std::string who =
      f.transport == Transport::Udp
          ? fmt::format("{} for user \"{}\" over UDP", f.source.ip_string(), clipped(f.user))
          : f.source.ip_string();
  lines_.logger().warning(
      "too many failed authentications from {}: its authenticated requests are refused (401) "
      "unchecked for {} s{}",
      who, hold_s,
      *from_all > 0 ? fmt::format("; {} lines not logged in the minute before", *from_all) : "");
}

}  // namespace tern
