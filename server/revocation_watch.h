#pragma once
// `ternctl credential revoke`, node side: whenever a revocation in force is new to
// TurnShared::revocations (the stores' reloads: sqlite every second, Redis on change or
// every second), the allocations of every revoked credential end on every worker, as the
// admin API's kill ends them. With --redis-userdb a RedisSubscriber on the realm's revoked
// channel also takes each revocation the moment ternctl publishes it, before the reload.
// Main thread.

#include <memory>
#include <string>
#include <string_view>

#include "base/redis/redis_subscriber.h"
#include "protocol/result.h"

namespace tern {

class Logger;
class Server;

class RevocationWatch {
 public:
  // `server` must outlive it; `redis_userdb` may be empty.
  static Result<std::unique_ptr<RevocationWatch>, std::string> create(event_base* main,
                                                                      std::string_view redis_userdb,
                                                                      Server& server, Logger& log);
  RevocationWatch(Server& server, Logger& log) : server_(server), log_(log) {}  // use create()
  ~RevocationWatch();
  RevocationWatch(const RevocationWatch&) = delete;
  RevocationWatch& operator=(const RevocationWatch&) = delete;

 private:
  void on_message(std::string_view payload);
  void end_revoked();

  Server& server_;
  Logger& log_;
  std::unique_ptr<RedisSubscriber> subscriber_;
};

}  // namespace tern
