#include "server/shared/redis_nonce_secret.h"

#include <ctime>

#include "base/log.h"
#include "server/shared/turn_shared.h"

namespace tern {
namespace {
constexpr timeval kPoll{2, 0};
}  // namespace

Result<std::unique_ptr<RedisNonceSecret>, std::string> RedisNonceSecret::create(
    event_base* main, std::string_view connection_string, TurnShared& turn, Logger& log) {
  auto config = parse_redis_connection_string(connection_string);
  if (!config) return unexpected("redis-userdb: " + config.error());
  auto source = std::make_unique<RedisNonceSecret>(main, *config, turn, log);
  source->connect();
  return source;
}

RedisNonceSecret::RedisNonceSecret(event_base* main, RedisConnectionConfig config, TurnShared& turn,
                                   Logger& log)
    : base_(main),
      config_(std::move(config)),
      turn_(turn),
      log_(log),
      timer_(event_new(main, -1, EV_PERSIST, on_timer, this)) {
  event_add(timer_.get(), &kPoll);
}

RedisNonceSecret::~RedisNonceSecret() {
  if (redis_) redis_->detach();
}

void RedisNonceSecret::on_timer(evutil_socket_t, short, void* self) {
  static_cast<RedisNonceSecret*>(self)->poll();
}

void RedisNonceSecret::poll() {
  retired_.clear();
  if (!redis_) return connect();
  if (!redis_->is_ready() || asking_) return;
  asking_ = true;
  redis_->command({"GET", kRedisNonceSecretKey}, [this](const redisReply* r) {
    asking_ = false;
    if (r != nullptr) take(r);
  });
}

void RedisNonceSecret::connect() {
  asking_ = false;
  RedisAsync::Events events;
  events.ready = [this] {
    down_logged_ = false;
    poll();
  };
  // Kept here too: `events` is moved into connect(), and a start that fails at once
  // reports through this copy.
  const auto failed = [this](const std::string& why) {
    if (!down_logged_) {
      log_.warning("redis-userdb {}: nonce secret: {}; keeping the nonce key in use, retry in 2 s",
                   config_.address(), why);
      down_logged_ = true;
    }
    // hiredis frees the context on the way out of this handler: retire ours, free later.
    if (redis_) retired_.push_back(std::move(redis_));
  };
  events.failed = failed;
  auto r = RedisAsync::connect(base_, config_.host, config_.port,
                               {config_.user, config_.password, config_.db}, std::move(events));
  if (!r) return failed(r.error());
  redis_ = std::move(*r);
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
