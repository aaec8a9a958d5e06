#include "server/turn/session_info.h"

#include <cctype>

#include "server/turn/relay_socket.h"
#include "server/turn/tcp_relay.h"

namespace tern {
namespace {

// Rounded up, so a session with 300 ms left does not read as already gone.
int64_t seconds_until(int64_t expires_ms, int64_t now_ms) {
  if (expires_ms <= now_ms) return 0;
  return (expires_ms - now_ms + 999) / 1000;
}

std::string lower(const char* s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

bool SessionFilter::matches(const Allocation& a) const {
  if (user && a.username() != *user) return false;
  if (id && a.id() != *id) return false;
  if (user_if && !user_if(a.username())) return false;
  return true;
}

SessionInfo describe_session(const Allocation& a, unsigned worker, std::string_view realm,
                             int64_t now_ms) {
  SessionInfo s;
  s.id = a.id().to_string();
  s.user = a.username();
  s.realm = std::string(realm);
  s.transport = lower(to_string(a.tuple().transport));
  s.client = a.tuple().client.to_string();
  s.server = a.tuple().server.to_string();
  for (const auto& relay : a.relays()) s.relayed.push_back(relay->advertised().to_string());
  if (a.tcp_relay()) s.relayed.push_back(a.tcp_relay()->advertised().to_string());
  s.created = a.created_unix();
  s.lifetime_left = seconds_until(a.expires_ms(), now_ms);
  s.traffic = a.traffic;
  for (const auto& p : a.permissions()) {
    if (p.expires_ms > now_ms) {
      s.permissions.push_back({p.ip.ip_string(), seconds_until(p.expires_ms, now_ms)});
    }
  }
  for (const auto& c : a.channels()) {
    if (c.expires_ms > now_ms) {
      s.channels.push_back({c.number, c.peer.to_string(), seconds_until(c.expires_ms, now_ms)});
    }
  }
  s.worker = worker;
  return s;
}

}  // namespace tern
