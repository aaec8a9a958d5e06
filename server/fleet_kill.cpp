#include "server/fleet_kill.h"

#include "auth/fleet_keys.h"
#include "base/log.h"
#include "server/admin/admin_session.h"
#include "server/server.h"

namespace tern {

std::string loggable(std::string_view in) {
  std::string s(in);
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';
  }
  return s;
}

Result<std::unique_ptr<FleetKillListener>, std::string> FleetKillListener::create(
    event_base* main, std::string_view connection_string, Server& server, Logger& log) {
  auto listener = std::make_unique<FleetKillListener>(server, log);
  RedisSubscriber::Handlers handlers;
  handlers.message = [raw = listener.get()](std::string_view, std::string_view user) {
    raw->kill_user(user);
  };
  handlers.ready = [&log, raw = listener.get()] {
    log.info("redis-statsdb {}: listening for fleet kills", raw->subscriber_->server());
  };
  RedisSubscriber::Settings settings;
  settings.what = "redis-statsdb fleet kill";
  settings.channels = {std::string(auth::fleet_keys::kKillChannel)};
  auto subscriber =
      RedisSubscriber::create(main, connection_string, settings, std::move(handlers), log);
  if (!subscriber) return unexpected("redis-statsdb: " + subscriber.error());
  listener->subscriber_ = std::move(*subscriber);
  listener->subscriber_->start();
  return listener;
}

void FleetKillListener::kill_user(std::string_view user) {
  if (user.empty()) return;
  log_.info("fleet kill: ending the allocations of user {}", loggable(user));
  SessionFilter filter;
  filter.user = std::string(user);
  for (const auto& w : server_.workers()) {
    Worker* worker = w.get();
    // A stopping worker refuses: its allocations end with it anyway.
    (void)worker->post([worker, filter] { worker->kill_sessions(filter); });
  }
}

}  // namespace tern
