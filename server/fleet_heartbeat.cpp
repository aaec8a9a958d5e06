#include "server/fleet_heartbeat.h"

#include <ctime>
#include <set>

#include "auth/fleet_keys.h"
#include "base/json_writer.h"
#include "server/server.h"
#include "server/shared/stats_publisher.h"
#include "tern/version.h"

namespace tern {
namespace {

void strings(JsonWriter& w, std::string_view name, const std::vector<std::string>& values) {
  w.key(name).begin_array();
  for (const auto& v : values) w.value(v);
  w.end_array();
}

Transport transport_of(ListenerKind kind) {
  switch (kind) {
    case ListenerKind::Udp:
      return Transport::Udp;
    case ListenerKind::Tcp:
    case ListenerKind::TcpProxy:
      return Transport::Tcp;
    case ListenerKind::Tls:
    case ListenerKind::TlsProxy:
      return Transport::Tls;
    case ListenerKind::Dtls:
      return Transport::Dtls;
  }
  return Transport::Udp;
}

// The plan in force, which the main thread owns (the workers' own lists change on their
// threads when a reload commits); every port is given, so it is what the workers bound.
std::vector<std::string> listeners_of(const Server& server) {
  std::set<std::string> seen;
  for (const auto& [kind, address] : plan_entries(server.plan())) {
    seen.insert(std::string(to_string(transport_of(kind))) + " " + address.to_string());
  }
  return {seen.begin(), seen.end()};
}

std::vector<std::string> relay_ips_of(Server& server) {
  std::vector<std::string> out;
  for (const auto& ip : server.turn().relay_ips()) out.push_back(ip.ip_string());
  return out;
}

}  // namespace

std::string heartbeat_json(const NodeStatus& s) {
  JsonWriter w;
  w.begin_object().field("id", s.id).field("version", s.version).field("realm", s.realm);
  strings(w, "listeners", s.listeners);
  strings(w, "relay_ips", s.relay_ips);
  w.field("allocations", s.allocations)
      .field("udp_in_per_s", s.udp_in_per_s)
      .field("udp_out_per_s", s.udp_out_per_s)
      .field("draining", s.draining)
      .field("started", s.started)
      .field("last_reload", s.last_reload)
      .field("updated", s.updated)
      .field("interval_s", s.interval_s)
      .end_object();
  return w.take();
}

FleetHeartbeat::FleetHeartbeat(event_base* main, Server& server, StatsPublisher& stats,
                               std::string node_id, std::string realm, int64_t now)
    : server_(server), stats_(stats), timer_(event_new(main, -1, EV_PERSIST, on_timer, this)) {
  status_.id = std::move(node_id);
  status_.version = std::string(kVersion);
  status_.realm = std::move(realm);
  status_.listeners = listeners_of(server);
  status_.relay_ips = relay_ips_of(server);
  status_.started = now;
  status_.last_reload = now;
  status_.interval_s = kIntervalSeconds;
  // Checked every second, so the first beat goes out within a second of Redis being
  // there (it is still connecting now), and one that found Redis away is retried.
  const timeval check{1, 0};
  event_add(timer_.get(), &check);
}

void FleetHeartbeat::note_reload(int64_t now) {
  status_.last_reload = now;
  status_.listeners = listeners_of(server_);
  status_.relay_ips = relay_ips_of(server_);
  beat(now);
}

void FleetHeartbeat::on_timer(evutil_socket_t, short, void* self) {
  auto* heartbeat = static_cast<FleetHeartbeat*>(self);
  const auto now = static_cast<int64_t>(std::time(nullptr));
  if (heartbeat->sent_at_ == 0 || now - heartbeat->sent_at_ >= kIntervalSeconds) {
    heartbeat->beat(now);
  }
}

void FleetHeartbeat::beat(int64_t now) {
  // Counters only grow, and each has one writer: reading them here costs the workers
  // nothing. Deleted counts every end (expiry, refresh 0, kill).
  const uint64_t created = server_.sum(&WorkerCounters::allocations_created);
  const uint64_t deleted = server_.sum(&WorkerCounters::allocations_deleted);
  status_.allocations = created >= deleted ? created - deleted : 0;
  const uint64_t in = server_.sum(&WorkerCounters::udp_datagrams_in);
  const uint64_t out = server_.sum(&WorkerCounters::udp_datagrams_out);
  const int64_t elapsed = status_.updated > 0 ? now - status_.updated : 0;
  if (elapsed > 0) {
    status_.udp_in_per_s = (in - udp_in_) / static_cast<uint64_t>(elapsed);
    status_.udp_out_per_s = (out - udp_out_) / static_cast<uint64_t>(elapsed);
  }
  udp_in_ = in;
  udp_out_ = out;
  status_.draining = server_.turn().drain.draining();
  status_.updated = now;
  if (stats_.put(auth::fleet_keys::node_key(status_.id), heartbeat_json(status_),
                 auth::fleet_keys::kKeyTtlSeconds)) {
    sent_at_ = now;
  }
}

}  // namespace tern
