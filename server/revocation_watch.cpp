#include "server/revocation_watch.h"

#include <charconv>
#include <ctime>

#include "auth/redis_keys.h"
#include "base/log.h"
#include "server/fleet_kill.h"
#include "server/server.h"

namespace tern {

Result<std::unique_ptr<RevocationWatch>, std::string> RevocationWatch::create(
    event_base* main, std::string_view redis_userdb, Server& server, Logger& log) {
  auto watch = std::make_unique<RevocationWatch>(server, log);
  server.turn().on_revoked = [raw = watch.get()] { raw->end_revoked(); };
  if (redis_userdb.empty()) return watch;
  RedisSubscriber::Handlers handlers;
  handlers.message = [raw = watch.get()](std::string_view, std::string_view payload) {
    raw->on_message(payload);
  };
  handlers.ready = [&log, raw = watch.get()] {
    log.info("redis-userdb {}: listening for credential revocations", raw->subscriber_->server());
  };
  RedisSubscriber::Settings settings;
  settings.what = "redis-userdb revocations";
  settings.channels = {auth::redis_keys::revoked(server.turn().settings.realm)};
  auto subscriber = RedisSubscriber::create(main, redis_userdb, settings, std::move(handlers), log);
  if (!subscriber) return unexpected("redis-userdb: " + subscriber.error());
  watch->subscriber_ = std::move(*subscriber);
  watch->subscriber_->start();
  return watch;
}

RevocationWatch::~RevocationWatch() {
  server_.turn().on_revoked = nullptr;
}

// "<expiry> <name>", as auth::RedisStore::revoke publishes it.
void RevocationWatch::on_message(std::string_view payload) {
  const size_t space = payload.find(' ');
  if (space == std::string_view::npos) return;
  int64_t expiry = 0;
  const auto [end, ec] = std::from_chars(payload.data(), payload.data() + space, expiry);
  if (ec != std::errc() || end != payload.data() + space) return;
  const std::string_view name = payload.substr(space + 1);
  if (!auth::revocation_kind(name, ':')) return;
  log_.info("credential {} revoked until {} (redis-userdb)", loggable(name), expiry);
  const bool fresh = server_.turn().revocations.add(auth::Revocations::Source::RedisPush,
                                                    {std::string(name), expiry},
                                                    static_cast<int64_t>(std::time(nullptr)));
  if (fresh) end_revoked();
}

void RevocationWatch::end_revoked() {
  const auth::Revocations* revoked = &server_.turn().revocations;
  SessionFilter filter;
  filter.user_if = [revoked](std::string_view user) {
    return revoked->revoked(user, static_cast<int64_t>(std::time(nullptr)));
  };
  log_.info("revoked credentials: ending their allocations ({} revoked)",
            revoked->snapshot()->size());
  for (const auto& w : server_.workers()) {
    Worker* worker = w.get();
    // A stopping worker refuses: its allocations end with it anyway.
    (void)worker->post([worker, filter] { worker->kill_sessions(filter); });
  }
}

}  // namespace tern
