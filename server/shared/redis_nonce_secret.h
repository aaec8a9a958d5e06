#pragma once
// A fleet's nonce secret from its Redis user store, so nodes share it without config:
// with --redis-userdb and no stateless-nonce-secret(-file), ternd reads the string key
// tern/nonce-secret there every 2 s and, when it changed, signs nonces with it (the key
// before stays valid for one nonce lifetime, auth/nonce.h). Until the key exists the
// per-process key is used. Main thread; a polling RedisSubscriber of its own, so it
// follows Sentinel failovers and is retried while Redis is away.

#include <memory>
#include <string>
#include <string_view>

#include "base/redis/redis_subscriber.h"
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
  RedisNonceSecret(TurnShared& turn, Logger& log) : turn_(turn), log_(log) {}  // use create()

 private:
  void poll(RedisAsync& redis);
  void take(const redisReply* r);

  TurnShared& turn_;
  Logger& log_;
  bool asking_ = false;  // a GET is outstanding
  std::unique_ptr<RedisSubscriber> subscriber_;
};

}  // namespace tern
