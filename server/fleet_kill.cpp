#include "server/fleet_kill.h"

#include "auth/fleet_keys.h"
#include "base/log.h"
#include "server/admin/admin_session.h"
#include "server/server.h"

namespace tern {
namespace {
constexpr timeval kRetry{2, 0};

// The name came from whoever may publish on the statsdb: a control character in it must
// not forge a log line.
std::string loggable(std::string s) {
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';
  }
  return s;
}
}  // namespace

Result<std::unique_ptr<FleetKillListener>, std::string> FleetKillListener::create(
    event_base* main, std::string_view connection_string, Server& server, Logger& log) {
  auto config = parse_redis_connection_string(connection_string);
  if (!config) return unexpected("redis-statsdb: " + config.error());
  auto listener = std::make_unique<FleetKillListener>(main, *config, server, log);
  listener->connect();
  return listener;
}

FleetKillListener::FleetKillListener(event_base* main, RedisConnectionConfig config, Server& server,
                                     Logger& log)
    : base_(main),
      config_(std::move(config)),
      server_(server),
      log_(log),
      retry_(evtimer_new(main, on_retry, this)) {}

FleetKillListener::~FleetKillListener() {
  if (redis_) redis_->detach();
}

void FleetKillListener::on_retry(evutil_socket_t, short, void* self) {
  static_cast<FleetKillListener*>(self)->connect();
}

void FleetKillListener::connect() {
  retired_.clear();
  RedisAsync::Events events;
  // A pattern without glob characters: the one channel.
  events.ready = [this] { redis_->psubscribe(auth::fleet_keys::kKillChannel); };
  // Kept here too: `events` is moved into connect(), and a start that fails at once
  // reports through this copy.
  const auto failed = [this](const std::string& why) {
    if (!down_logged_) {
      log_.warning("redis-statsdb {}: fleet kill subscription: {}; retry every 2 s",
                   config_.address(), why);
      down_logged_ = true;
    }
    // hiredis frees the context on the way out of this handler: retire ours, free later.
    if (redis_) retired_.push_back(std::move(redis_));
    evtimer_add(retry_.get(), &kRetry);
  };
  events.failed = failed;
  events.message = [this](const redisReply* r) { on_message(r); };
  // No SELECT: pub/sub channels are not per database.
  auto r = RedisAsync::connect(base_, config_.host, config_.port,
                               {config_.user, config_.password, -1}, std::move(events));
  if (!r) {
    failed(r.error());
    return;
  }
  redis_ = std::move(*r);
}

void FleetKillListener::on_message(const redisReply* r) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
      r->element[0]->type != REDIS_REPLY_STRING) {
    return;
  }
  const std::string_view kind(r->element[0]->str, r->element[0]->len);
  if (kind == "psubscribe") {
    log_.info("redis-statsdb {}: listening for fleet kills", config_.address());
    down_logged_ = false;
    return;
  }
  if (kind != "pmessage" || r->elements != 4 || r->element[3]->type != REDIS_REPLY_STRING) return;
  kill_user(std::string(r->element[3]->str, r->element[3]->len));
}

void FleetKillListener::kill_user(const std::string& user) {
  if (user.empty()) return;
  log_.info("fleet kill: ending the allocations of user {}", loggable(user));
  const SessionFilter filter{.user = user, .id = std::nullopt};
  for (const auto& w : server_.workers()) {
    Worker* worker = w.get();
    worker->post([worker, filter] { worker->kill_sessions(filter); });
  }
}

}  // namespace tern
