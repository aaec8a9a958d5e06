#pragma once
// `ternctl fleet kill --user U`: with --redis-statsdb, each node subscribes to
// tern/fleet/kill (auth/fleet_keys.h) there and ends the allocations of every user
// published on it, on each of its workers, as the admin API's kill does. A subscription
// of its own (a subscribed Redis connection takes no other command), on the main loop,
// retried every 2 s while Redis is away; kills published meanwhile are missed, and
// ternctl says how many nodes heard one.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/redis_async.h"
#include "auth/redis_connection_string.h"
#include "base/libevent.h"
#include "protocol/result.h"

namespace tern {

class Logger;
class Server;

class FleetKillListener {
 public:
  // `server` must outlive it.
  static Result<std::unique_ptr<FleetKillListener>, std::string> create(
      event_base* main, std::string_view connection_string, Server& server, Logger& log);
  FleetKillListener(event_base* main, auth::RedisConnectionConfig config, Server& server,
                    Logger& log);  // use create()
  ~FleetKillListener();
  FleetKillListener(const FleetKillListener&) = delete;
  FleetKillListener& operator=(const FleetKillListener&) = delete;

 private:
  static void on_retry(evutil_socket_t, short, void* self);
  void connect();
  void on_message(const redisReply* r);
  void kill_user(const std::string& user);

  event_base* base_;
  auth::RedisConnectionConfig config_;
  Server& server_;
  Logger& log_;
  std::unique_ptr<auth::RedisAsync> redis_;
  std::vector<std::unique_ptr<auth::RedisAsync>> retired_;  // freed on the next attempt
  bool down_logged_ = false;
  EventPtr retry_;
};

}  // namespace tern
