#include "server/admin/admin_session.h"

#include "base/json_writer.h"

namespace tern {
namespace {

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

std::string sessions_json(std::span<const SessionInfo> sessions) {
  JsonWriter w;
  w.begin_array();
  for (const auto& s : sessions) write_session(w, s);
  w.end_array();
  return w.take();
}

}  // namespace tern
