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

#include "base/libevent.h"
#include "base/redis/redis_async.h"
#include "base/redis/redis_connection_string.h"
#include "protocol/result.h"

namespace tern {

class Logger;
class Server;

class FleetKillListener {
 public:
  // `server` must outlive it.
  static Result<std::unique_ptr<FleetKillListener>, std::string> create(
      event_base* main, std::string_view connection_string, Server& server, Logger& log);
  FleetKillListener(event_base* main, RedisConnectionConfig config, Server& server,
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
  RedisConnectionConfig config_;
  Server& server_;
  Logger& log_;
  std::unique_ptr<RedisAsync> redis_;
  std::vector<std::unique_ptr<RedisAsync>> retired_;  // freed on the next attempt
  bool down_logged_ = false;
  EventPtr retry_;
};

}  // namespace tern
