#pragma once
// `ternctl fleet kill --user U`: with --redis-statsdb, each node subscribes to
// tern/fleet/kill (auth/fleet_keys.h) there and ends the allocations of every user
// published on it, on each of its workers, as the admin API's kill does. The
// subscription is a RedisSubscriber of its own (a subscribed connection takes no other
// command) on the main loop: it follows Sentinel failovers and is retried while Redis is
// away; kills published meanwhile are missed, and ternctl says how many nodes heard one.

#include <memory>
#include <string>
#include <string_view>

#include "base/redis/redis_subscriber.h"
#include "protocol/result.h"

namespace tern {

class Logger;
class Server;

class FleetKillListener {
 public:
  // `server` must outlive it.
  static Result<std::unique_ptr<FleetKillListener>, std::string> create(
      event_base* main, std::string_view connection_string, Server& server, Logger& log);
  FleetKillListener(Server& server, Logger& log) : server_(server), log_(log) {}  // use create()

 private:
  void kill_user(std::string_view user);

  Server& server_;
  Logger& log_;
  std::unique_ptr<RedisSubscriber> subscriber_;
};

// The name came from whoever may publish on a store: a control character in it must not
// forge a log line.
std::string loggable(std::string_view s);

}  // namespace tern
