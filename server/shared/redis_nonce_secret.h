#pragma once
// A fleet's nonce secret from its Redis user store, so nodes share it without config:
// with --redis-userdb and no stateless-nonce-secret(-file), ternd reads the string key
// tern/nonce-secret there every 2 s and, when it changed, signs nonces with it (the key
// before stays valid for one nonce lifetime, auth/nonce.h). Until the key exists the
// per-process key is used. Main thread; its own connection, retried while Redis is away.

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
class TurnShared;

inline constexpr std::string_view kRedisNonceSecretKey = "tern/nonce-secret";

class RedisNonceSecret {
 public:
  // `turn` must outlive it.
  static Result<std::unique_ptr<RedisNonceSecret>, std::string> create(
      event_base* main, std::string_view connection_string, TurnShared& turn, Logger& log);
  RedisNonceSecret(event_base* main, RedisConnectionConfig config, TurnShared& turn,
                   Logger& log);  // use create()
  ~RedisNonceSecret();
  RedisNonceSecret(const RedisNonceSecret&) = delete;
  RedisNonceSecret& operator=(const RedisNonceSecret&) = delete;

 private:
  static void on_timer(evutil_socket_t, short, void* self);
  void poll();
  void connect();
  void take(const redisReply* r);

  event_base* base_;
  RedisConnectionConfig config_;
  TurnShared& turn_;
  Logger& log_;
  std::unique_ptr<RedisAsync> redis_;
  std::vector<std::unique_ptr<RedisAsync>> retired_;  // freed on the next poll
  bool down_logged_ = false;
  bool asking_ = false;  // a GET is outstanding
  EventPtr timer_;
};

}  // namespace tern
