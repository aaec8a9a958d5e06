#include "server/admin_session.h"

#include <cctype>

#include "server/admin_json.h"
#include "server/relay_socket.h"

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

void write_session(JsonWriter& w, const SessionInfo& s) {
  w.begin_object()
      .field("id", s.id)
      .field("user", s.user)
      .field("realm", s.realm)
      .field("transport", s.transport)
      .field("client", s.client)
      .field("server", s.server);
  w.key("relayed").begin_array();
  for (const auto& r : s.relayed) w.value(r);
  w.end_array();
  w.field("created", s.created)
      .field("lifetime", s.lifetime_left)
      .field("bytes_to_peer", s.traffic.bytes_to_peer)
      .field("packets_to_peer", s.traffic.packets_to_peer)
      .field("bytes_to_client", s.traffic.bytes_to_client)
      .field("packets_to_client", s.traffic.packets_to_client);
  w.key("permissions").begin_array();
  for (const auto& p : s.permissions) {
    w.begin_object().field("ip", p.ip).field("lifetime", p.seconds_left).end_object();
  }
  w.end_array();
  w.key("channels").begin_array();
  for (const auto& c : s.channels) {
    w.begin_object()
        .field("number", static_cast<unsigned>(c.number))
        .field("peer", c.peer)
        .field("lifetime", c.seconds_left)
        .end_object();
  }
  w.end_array();
  w.field("worker", s.worker).end_object();
}

}  // namespace

bool SessionFilter::matches(const Allocation& a) const {
  if (user && a.username() != *user) return false;
  if (id && a.id() != *id) return false;
  return true;
}

SessionInfo describe_session(const Allocation& a, std::string_view realm, int64_t now_ms) {
  SessionInfo s;
  s.id = a.id().to_string();
  s.user = a.username();
  s.realm = std::string(realm);
  s.transport = lower(to_string(a.tuple().transport));
  s.client = a.tuple().client.to_string();
  s.server = a.tuple().server.to_string();
  for (const auto& relay : a.relays()) s.relayed.push_back(relay->advertised().to_string());
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
  s.worker = a.id().worker;
  return s;
}

std::string sessions_json(std::span<const SessionInfo> sessions) {
  JsonWriter w;
  w.begin_array();
  for (const auto& s : sessions) write_session(w, s);
  w.end_array();
  return w.take();
}

}  // namespace tern
