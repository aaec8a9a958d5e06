#pragma once
// What a server loop keeps listening to in Redis, as one reconnecting connection: either
// subscribed to channels (each message goes to Handlers::message), or polling (Handlers::poll
// runs with the ready connection at once after each connection and every poll interval).
// A lost, refused or hung connection is retried with a doubling backoff; with Sentinel
// (sentinel= master= in the connection string) each attempt asks the sentinels for the
// master, and a +switch-master they announce moves the connection at once.
//
// The users (fleet kill, the fleet nonce secret, credential revocations) only say what
// they listen to and what they do with it.
//
// Threads: everything runs on the loop it is given; construct, start() and destroy there,
// not from inside one of its own handlers.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/redis/redis_async.h"
#include "base/redis/redis_connection_string.h"
#include "base/redis/redis_resolver.h"
#include "base/redis/redis_sentinel.h"
#include "protocol/result.h"

struct event_base;

namespace tern {

class Logger;

class RedisSubscriber {
 public:
  struct Settings {
    // How log lines name this listener: "redis-statsdb fleet kill".
    std::string what;
    // Channel names (no glob characters); empty: a polling connection.
    std::vector<std::string> channels;
    std::chrono::milliseconds poll_interval{2000};  // also how often a hung server is noticed
    std::chrono::milliseconds first_retry{500};     // doubles after each failed attempt ...
    std::chrono::milliseconds max_retry{4000};      // ... up to this; back to first on success
  };
  struct Handlers {
    std::function<void(std::string_view channel, std::string_view payload)> message;
    // Commands to send on the ready connection; their replies come to their own handlers.
    std::function<void(RedisAsync&)> poll;
    // Every channel's subscription is confirmed, or the polling connection is ready.
    std::function<void()> ready;
  };

  static Result<std::unique_ptr<RedisSubscriber>, std::string> create(
      event_base* base, std::string_view connection_string, Settings settings, Handlers handlers,
      Logger& log);
  RedisSubscriber(event_base* base, RedisConnectionConfig config, Settings settings,
                  Handlers handlers, Logger& log);  // use create()
  ~RedisSubscriber();
  RedisSubscriber(const RedisSubscriber&) = delete;
  RedisSubscriber& operator=(const RedisSubscriber&) = delete;

  // Starts connecting and returns at once.
  void start();
  // A ready, unsubscribed connection: for a user that sends a command between polls.
  RedisAsync* connection() const {
    return redis_ && redis_->is_ready() && settings_.channels.empty() ? redis_.get() : nullptr;
  }
  // The server connected to (or being connected to), as "127.0.0.1:6379".
  std::string server() const { return server_.address(); }

 private:
  bool subscribing() const { return !settings_.channels.empty(); }
  void attempt();
  void connect_host(const RedisHostPort& server);
  void connect_ip(const std::string& ip);
  void on_ready();
  void on_push(const redisReply* reply);
  void now_ready();
  void lost(const std::string& why);
  void on_master_moved(const RedisHostPort& master);
  void retire();
  void tick();

  static void on_tick(int, short, void* arg);
  static void on_retry(int, short, void* arg);
  static void on_cleanup(int, short, void* arg);

  event_base* base_;
  RedisConnectionConfig config_;
  Settings settings_;
  Handlers handlers_;
  Logger& log_;
  RedisResolver resolver_;
  std::unique_ptr<RedisSentinel> sentinel_;  // with sentinel= only
  RedisHostPort server_;
  std::unique_ptr<RedisAsync> redis_;
  std::vector<std::unique_ptr<RedisAsync>> retired_;  // freed from cleanup_
  size_t confirmed_ = 0;                              // subscriptions confirmed on redis_
  std::chrono::milliseconds next_retry_;
  bool down_logged_ = false;  // the "lost" line of this outage is out
  RedisEventPtr tick_, retry_, cleanup_;
};

}  // namespace tern
