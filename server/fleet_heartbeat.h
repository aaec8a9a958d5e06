#pragma once
// With --redis-statsdb, this node's entry in the fleet view (`ternctl fleet`): every few
// seconds a JSON value under tern/fleet/node/<node-id> (auth/fleet_keys.h) with an
// expiry, saying who the node is, where it listens and relays, how many allocations it
// holds, its packet rates, whether it drains, and when it last reloaded. Main thread.

#include <cstdint>
#include <string>
#include <vector>

#include "base/libevent.h"

namespace tern {

class Server;
class StatsPublisher;

// What one heartbeat says; a value, so the JSON can be tested without a server.
struct NodeStatus {
  std::string id;
  std::string version;
  std::string realm;
  std::vector<std::string> listeners;  // "udp 127.0.0.1:3478"
  std::vector<std::string> relay_ips;
  uint64_t allocations = 0;
  uint64_t udp_in_per_s = 0;  // datagrams, over the last interval
  uint64_t udp_out_per_s = 0;
  bool draining = false;
  int64_t started = 0;  // unix seconds
  int64_t last_reload = 0;
  int64_t updated = 0;
  int64_t interval_s = 0;  // the next beat is due this long after `updated`
};

std::string heartbeat_json(const NodeStatus& status);

class FleetHeartbeat {
 public:
  static constexpr int64_t kIntervalSeconds = 5;

  // Beats as soon as Redis is there and then every interval. `server` and `stats` must
  // outlive it; the listeners and relay IPs are read here and again on each reload.
  FleetHeartbeat(event_base* main, Server& server, StatsPublisher& stats, std::string node_id,
                 std::string realm, int64_t now);

  // A reload (SIGHUP, ternctl reload) ran: its time, listeners and relay IPs are said in
  // a beat sent at once.
  void note_reload(int64_t now);

 private:
  static void on_timer(evutil_socket_t, short, void* self);
  void beat(int64_t now);

  Server& server_;
  StatsPublisher& stats_;
  NodeStatus status_;
  uint64_t udp_in_ = 0, udp_out_ = 0;  // the counters at the last beat, for the rates
  int64_t sent_at_ = 0;                // 0: none reached Redis yet
  EventPtr timer_;
};

}  // namespace tern
