#pragma once
// --redis-statsdb: allocation status published to Redis the way coturn does, so many tern
// (and coturn) nodes sharing one Redis can be watched as one fleet:
//   SET     turn/realm/<realm>/user/<user>/allocation/<id>/status "new lifetime=600" EX 600
//   PUBLISH (same key) "new lifetime=600"     ("refreshed lifetime=N" on Refresh)
//   DEL + PUBLISH "deleted" on deletion, and PUBLISH .../traffic with the totals.
// Workers post events; the main thread's loop sends them, so no worker ever waits on Redis.
// While Redis is away events are dropped (counted), and the connection is retried. With
// Sentinel each attempt asks the sentinels for the master, and a +switch-master moves the
// connection to the new one at once.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/libevent.h"
#include "base/redis/redis_connection_string.h"
#include "protocol/result.h"

namespace tern {

class Logger;
// By name only, so that what posts events (the allocation table) does not compile against
// hiredis.
class RedisAsync;
class RedisSentinel;

class StatsPublisher {
 public:
  enum class Status : uint8_t { New, Refreshed, Deleted };
  // What the fleet sees of one allocation's change, with its traffic so far.
  struct Event {
    Status status;
    std::string user;
    std::string id;
    int64_t lifetime_s;
    uint64_t rcvp, rcvb, sentp, sentb;
  };

  static Result<std::unique_ptr<StatsPublisher>, std::string> create(
      event_base* main, std::string_view connection_string, std::string realm, Logger& log);
  StatsPublisher(event_base* main, RedisConnectionConfig config, std::string realm,
                 Logger& log);  // use create()
  ~StatsPublisher();

  // Thread-safe; from any worker.
  void allocation_changed(Event e);
  uint64_t dropped() const;
  // SET key value EX ttl_s when Redis is there; false (nothing sent) while it is not.
  // Main thread only: the fleet heartbeat.
  bool put(std::string_view key, std::string_view value, int64_t ttl_s);

 private:
  static void on_wake(evutil_socket_t, short, void* self);
  static void on_retry(evutil_socket_t, short, void* self);
  void connect();
  void connect_to(const RedisHostPort& server);
  void lost(const std::string& why);
  void on_master_moved(const RedisHostPort& master);
  void drain();
  void send(const Event& e);

  event_base* base_;
  RedisConnectionConfig config_;
  std::string realm_;
  Logger& log_;
  std::unique_ptr<RedisSentinel> sentinel_;  // with sentinel= only
  RedisHostPort server_;                     // connected (or connecting) to
  std::unique_ptr<RedisAsync> redis_;
  std::vector<std::unique_ptr<RedisAsync>> retired_;  // freed on the next drain
  bool down_logged_ = false;

  std::mutex mutex_;
  std::vector<Event> pending_;
  uint64_t dropped_ = 0;
  EventPtr wake_;
  EventPtr retry_;
};

}  // namespace tern
