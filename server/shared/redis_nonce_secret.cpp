#include "server/shared/redis_nonce_secret.h"

#include <ctime>

#include "base/log.h"
#include "server/shared/turn_shared.h"

namespace tern {

Result<std::unique_ptr<RedisNonceSecret>, std::string> RedisNonceSecret::create(
    event_base* main, std::string_view connection_string, TurnShared& turn, Logger& log) {
  auto source = std::make_unique<RedisNonceSecret>(turn, log);
  RedisSubscriber::Handlers handlers;
  handlers.poll = [raw = source.get()](RedisAsync& redis) { raw->poll(redis); };
  // A GET on a connection given up (hung server) never answers: a new one asks afresh.
  handlers.ready = [raw = source.get()] { raw->asking_ = false; };
  RedisSubscriber::Settings settings;
  settings.what = "redis-userdb nonce secret";
  auto subscriber =
      RedisSubscriber::create(main, connection_string, settings, std::move(handlers), log);
  if (!subscriber) return unexpected("redis-userdb: " + subscriber.error());
  source->subscriber_ = std::move(*subscriber);
  source->subscriber_->start();
  return source;
}

void RedisNonceSecret::poll(RedisAsync& redis) {
  if (asking_) return;
  asking_ = redis.command({"GET", kRedisNonceSecretKey}, [this](const redisReply* r) {
    asking_ = false;  // nullptr: the connection went, and the next one asks again
    if (r != nullptr) take(r);
  });
}

void RedisNonceSecret::take(const redisReply* r) {
  if (r->type != REDIS_REPLY_STRING || r->len == 0) return;  // none set: keep the key in use
  const std::string secret(r->str, r->len);
  if (turn_.rotate_nonce_secret(secret, static_cast<int64_t>(std::time(nullptr)))) {
    log_.info(
        "nonce secret from redis-userdb ({}): new secret; the previous key stays valid "
        "for {} s",
        kRedisNonceSecretKey, turn_.nonces.lifetime_seconds());
  }
}

}  // namespace tern
