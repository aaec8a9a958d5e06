#include "base/redis/redis_subscriber.h"

#include <event2/event.h>
#include <fmt/format.h>

#include <algorithm>

#include "base/log.h"
#include "base/redis/redis_tls.h"

namespace tern {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  return {static_cast<time_t>(ms.count() / 1000),
          static_cast<suseconds_t>(ms.count() % 1000 * 1000)};
}

std::string_view text(const redisReply* r) {
  return {r->str, r->len};
}

}  // namespace

Result<std::unique_ptr<RedisSubscriber>, std::string> RedisSubscriber::create(
    event_base* base, std::string_view connection_string, Settings settings, Handlers handlers,
    Logger& log) {
  auto config = parse_redis_connection_string(connection_string);
  if (!config) return unexpected(config.error());
  if (config->tls.enabled) {
    if (auto tls = make_redis_tls_context(config->tls); !tls) return unexpected(tls.error());
  }
  return std::make_unique<RedisSubscriber>(base, std::move(*config), std::move(settings),
                                           std::move(handlers), log);
}

RedisSubscriber::RedisSubscriber(event_base* base, RedisConnectionConfig config, Settings settings,
                                 Handlers handlers, Logger& log)
    : base_(base),
      config_(std::move(config)),
      settings_(std::move(settings)),
      handlers_(std::move(handlers)),
      log_(log),
      resolver_(base),
      next_retry_(settings_.first_retry),
      tick_(event_new(base, -1, EV_PERSIST, &RedisSubscriber::on_tick, this)),
      retry_(evtimer_new(base, &RedisSubscriber::on_retry, this)),
      cleanup_(event_new(base, -1, 0, &RedisSubscriber::on_cleanup, this)) {
  if (config_.uses_sentinel()) {
    RedisSentinel::Settings s{config_.sentinels, config_.master, config_.sentinel_password,
                              config_.connect_timeout};
    s.tls = config_.tls;
    sentinel_ = std::make_unique<RedisSentinel>(base, std::move(s), [this](const std::string& l) {
      log_.warning("{} {}", settings_.what, l);
    });
  }
}

RedisSubscriber::~RedisSubscriber() {
  // Their pending handlers point here.
  sentinel_.reset();
  if (redis_) redis_->detach();
  redis_.reset();
  retired_.clear();
}

void RedisSubscriber::start() {
  if (sentinel_) sentinel_->watch([this](const RedisHostPort& m) { on_master_moved(m); });
  const timeval tv = to_timeval(settings_.poll_interval);
  event_add(tick_.get(), &tv);
  attempt();
}

void RedisSubscriber::attempt() {
  if (!sentinel_) return connect_host({config_.host, config_.port});
  sentinel_->locate([this](Result<RedisHostPort, std::string> master) {
    if (!master) return lost(master.error());
    connect_host(*master);
  });
}

void RedisSubscriber::connect_host(const RedisHostPort& server) {
  server_ = server;
  if (is_ip_literal(server.host)) return connect_ip(server.host);
  resolver_.resolve(server.host, [this](Result<std::vector<std::string>, std::string> ips) {
    if (!ips) return lost("cannot resolve " + server_.host + ": " + ips.error());
    connect_ip(ips->front());
  });
}

void RedisSubscriber::connect_ip(const std::string& ip) {
  retire();
  confirmed_ = 0;
  RedisAsync::Events events;
  events.ready = [this] { on_ready(); };
  events.failed = [this](const std::string& why) { lost(why); };
  events.message = [this](const redisReply* r) { on_push(r); };
  // No SELECT for a subscription: channels are not per database.
  const int64_t db = subscribing() ? -1 : static_cast<int64_t>(config_.db);
  auto connection = RedisAsync::connect(
      base_, ip, server_.port, {config_.user, config_.password, db, &config_.tls, server_.host},
      std::move(events));
  if (!connection) return lost(connection.error());
  redis_ = std::move(*connection);
}

void RedisSubscriber::on_ready() {
  if (!subscribing()) {
    now_ready();
    if (handlers_.poll && redis_) handlers_.poll(*redis_);
    return;
  }
  // Literal names as patterns: PSUBSCRIBE is what RedisAsync speaks.
  for (const auto& channel : settings_.channels) redis_->psubscribe(channel);
}

void RedisSubscriber::on_push(const redisReply* r) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
      r->element[0]->type != REDIS_REPLY_STRING) {
    return;
  }
  const std::string_view kind = text(r->element[0]);
  if (kind == "psubscribe") {
    if (++confirmed_ == settings_.channels.size()) now_ready();
    return;
  }
  if (kind != "pmessage" || r->elements != 4 || r->element[2]->type != REDIS_REPLY_STRING ||
      r->element[3]->type != REDIS_REPLY_STRING) {
    return;
  }
  if (handlers_.message) handlers_.message(text(r->element[2]), text(r->element[3]));
}

void RedisSubscriber::now_ready() {
  next_retry_ = settings_.first_retry;
  if (down_logged_) {
    log_.info("{} {}: connected again to {}", settings_.what, config_.address(), server_.address());
  }
  down_logged_ = false;
  if (handlers_.ready) handlers_.ready();
}

void RedisSubscriber::lost(const std::string& why) {
  retire();
  if (!down_logged_) {
    log_.warning("{} {}: {}; retrying, first in {} ms", settings_.what, config_.address(), why,
                 next_retry_.count());
    down_logged_ = true;
  }
  const timeval tv = to_timeval(next_retry_);
  evtimer_add(retry_.get(), &tv);
  next_retry_ = std::min(next_retry_ * 2, settings_.max_retry);
}

// A failover the sentinels announced: there at once, whatever the retry timer says.
void RedisSubscriber::on_master_moved(const RedisHostPort& master) {
  if (master == server_ && redis_) return;
  log_.info("{} {}: the sentinels name {} the master now", settings_.what, config_.address(),
            master.address());
  evtimer_del(retry_.get());
  sentinel_->cancel();
  next_retry_ = settings_.first_retry;
  connect_host(master);
}

void RedisSubscriber::retire() {
  if (!redis_) return;
  // Possibly from inside one of its handlers: hiredis still uses it on the way out.
  redis_->detach();
  retired_.push_back(std::move(redis_));
  event_active(cleanup_.get(), 0, 0);
}

void RedisSubscriber::tick() {
  if (!redis_) return;
  const auto timeout =
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(config_.connect_timeout);
  if (redis_->stalled(std::chrono::steady_clock::now(), timeout)) {
    return lost(fmt::format("no answer in {} s", config_.connect_timeout.count()));
  }
  if (!subscribing() && redis_->is_ready() && handlers_.poll) handlers_.poll(*redis_);
}

void RedisSubscriber::on_tick(int, short, void* arg) {
  static_cast<RedisSubscriber*>(arg)->tick();
}

void RedisSubscriber::on_retry(int, short, void* arg) {
  static_cast<RedisSubscriber*>(arg)->attempt();
}

void RedisSubscriber::on_cleanup(int, short, void* arg) {
  static_cast<RedisSubscriber*>(arg)->retired_.clear();
}

}  // namespace tern
