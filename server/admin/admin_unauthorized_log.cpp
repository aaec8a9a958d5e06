#include "server/admin/admin_unauthorized_log.h"

#include "base/log.h"
#include "base/log_fields.h"
#include "base/socket_address.h"
#include "server/admin/admin_auth_limiter.h"

namespace tern {
namespace {

// A path for the log: at most 100 characters, control bytes and non-ASCII as '?'.
constexpr size_t kLoggedPathMax = 100;

std::string printable(std::string_view path) {
  std::string out(path.substr(0, kLoggedPathMax));
  for (char& c : out)
    if (c < 0x20 || c > 0x7e) c = '?';
  return out;
}

}  // namespace

void AdminUnauthorizedLog::note(const Refusal& r, int64_t now_ms) {
  if (!log_.enabled(LogLevel::Warning)) return;
  // Unix socket peers have no address: they share the budget of the unspecified one.
  const TransportAddress source =
      r.peer != nullptr ? from_sockaddr(r.peer).value_or(TransportAddress{}) : TransportAddress{};
  const auto t = budget_.take(source, static_cast<uint32_t>(now_ms / 1000));
  if (t.suppressed_source > 0) say_suppressed(t.suppressed_source, admin_source_key(r.peer));
  if (t.suppressed_all > 0) say_suppressed(t.suppressed_all, "*");
  if (!t.log) return;
  log_.warning("admin API unauthorized source={} path={} token={}", admin_source_key(r.peer),
               log_quoted(printable(r.path)), r.token_given ? "wrong" : "missing");
}

void AdminUnauthorizedLog::say_suppressed(uint64_t count, std::string_view source) {
  log_.warning("suppressed {} similar lines: admin API unauthorized source={} window={}s", count,
               source, SourceLineBudget::kWindowS);
}

void AdminUnauthorizedLog::flush(int64_t now_ms) {
  for (const auto& e : budget_.ended(static_cast<uint32_t>(now_ms / 1000))) {
    say_suppressed(e.suppressed, e.source);
  }
}

}  // namespace tern
