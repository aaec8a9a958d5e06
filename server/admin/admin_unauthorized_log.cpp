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
  // Unix socket peers have no address: they share the budget of the unspecified one.
  const TransportAddress source =
      r.peer != nullptr ? from_sockaddr(r.peer).value_or(TransportAddress{}) : TransportAddress{};
  const std::string shown = admin_source_key(r.peer);
  if (!lines_.admit(source, now_ms, shown)) return;
  lines_.logger().warning("admin API unauthorized source={} path={} token={}", shown,
                          log_quoted(printable(r.path)), r.token_given ? "wrong" : "missing");
}

}  // namespace tern
