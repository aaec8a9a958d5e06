#pragma once
// Redis Sentinel, client side: which server is the master named `master` now, and a word
// when that changes. Asks the sentinels in turn (SENTINEL get-master-addr-by-name) and keeps
// one of them subscribed to +switch-master, moving to the next sentinel when that one goes.
//
// Threads: everything runs on the loop it is given; construct and destroy there, and not
// from inside one of its own callbacks.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/redis/redis_async.h"
#include "base/redis/redis_connection_string.h"
#include "base/redis/redis_resolver.h"
#include "protocol/result.h"

struct event_base;

namespace tern {

// The master's address in a +switch-master message ("<name> <old ip> <old port> <new ip>
// <new port>"), or nullopt when the message is about another master or malformed.
std::optional<RedisHostPort> parse_switch_master(std::string_view payload, std::string_view master);

class RedisSentinel {
 public:
  struct Settings {
    std::vector<RedisHostPort> sentinels;
    std::string master;
    std::string password;  // the sentinels' requirepass; empty: no AUTH
    // Bounds each sentinel's answer; past it the next one is asked.
    std::chrono::milliseconds timeout{5000};
    // After the watched sentinel is lost, the next one is tried this much later.
    std::chrono::milliseconds rewatch_delay{1000};
    RedisTlsConfig tls{};  // tls=1: the sentinels too are reached over TLS
  };
  using Found = std::function<void(Result<RedisHostPort, std::string>)>;
  using Moved = std::function<void(const RedisHostPort&)>;
  using Note = std::function<void(const std::string&)>;

  RedisSentinel(event_base* base, Settings settings, Note note = {});
  ~RedisSentinel();
  RedisSentinel(const RedisSentinel&) = delete;
  RedisSentinel& operator=(const RedisSentinel&) = delete;

  // Asks the sentinels, starting with the one that answered last, until one names the
  // master. `found` runs on the loop (never from inside locate()) with its address, or with
  // an error naming what each sentinel said. Replaces a lookup in flight, whose `found`
  // then never runs.
  void locate(Found found);
  // As locate(), for a replica the sentinels think healthy (SENTINEL replicas): somewhere
  // to read from while the master cannot be reached.
  void locate_replica(Found found);
  // Drops a lookup in flight: its `found` never runs.
  void cancel();
  // From now on `moved` gets the master's new address after each failover the watched
  // sentinel announces, and after a re-subscription finds the master elsewhere than the
  // last address reported (a switch may have happened while no sentinel was watched).
  void watch(Moved moved);

  const std::vector<RedisHostPort>& sentinels() const { return settings_.sentinels; }

 private:
  enum class Want : uint8_t { Master, Replica };

  void start_lookup(Want want, Found found);
  void ask_next();
  void connect_query(const std::string& ip);
  void on_master_reply(size_t index, const redisReply* reply);
  void query_failed(const std::string& why);
  void finish(Result<RedisHostPort, std::string> result);
  void watch_next();
  void connect_watcher(const std::string& ip);
  void on_watch_message(const redisReply* reply);
  void watch_lost(const std::string& why);
  void report(const RedisHostPort& master);
  void retire(std::unique_ptr<RedisAsync>& connection);
  // Numeric addresses connect at once; host names go through the resolver first.
  void with_ip(RedisResolver& resolver, const RedisHostPort& sentinel,
               std::function<void(const std::string&)> then, std::function<void(std::string)> fail);

  static void on_query_timeout(int, short, void* arg);
  static void on_watch_check(int, short, void* arg);
  static void on_rewatch(int, short, void* arg);
  static void on_cleanup(int, short, void* arg);
  static void on_deliver(int, short, void* arg);

  event_base* base_;
  Settings settings_;
  Note note_;

  // The lookup in flight.
  Found found_;
  Want want_ = Want::Master;
  size_t next_ = 0;   // the sentinel to ask first (the last one that answered)
  size_t asked_ = 0;  // sentinels asked in this lookup
  std::string errors_;
  RedisResolver query_resolver_;
  std::unique_ptr<RedisAsync> query_;
  std::optional<Result<RedisHostPort, std::string>> result_;  // waiting for on_deliver

  // The watch.
  Moved moved_;
  size_t watched_ = 0;  // the sentinel subscribed to (or to try next)
  bool watch_confirmed_once_ = false;
  RedisResolver watch_resolver_;
  std::unique_ptr<RedisAsync> watcher_;
  std::optional<RedisHostPort> last_reported_;

  std::vector<std::unique_ptr<RedisAsync>> retired_;  // freed from cleanup_
  RedisEventPtr query_timer_, watch_check_, rewatch_timer_, cleanup_, deliver_;
};

}  // namespace tern
