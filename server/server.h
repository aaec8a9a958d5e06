#pragma once
// ternd as a whole: the workers built from a Config, started and stopped together.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/libevent.h"
#include "base/tls_context.h"
#include "protocol/result.h"
#include "server/admin/admin_server.h"
#include "server/config/config.h"
#include "server/shared/challenge_limiter.h"
#include "server/shared/turn_shared.h"
#include "server/worker/worker.h"

namespace tern {

class Logger;

// Where to listen, resolved from the config: every --listening-ip, or every address of
// the machine's interfaces when none is given.
Result<ListenPlan, std::string> make_listen_plan(const Config& config, bool with_tls);

// The TLS context the config asks for: nullptr when TLS is off (no-tls, or no cert and
// pkey); the error names the file and OpenSSL's reason. Reads files, opens no socket.
Result<SslCtxPtr, std::string> make_tls_context(const Config& config);

class Server {
 public:
  // Opens every socket in every worker; the error stops startup.
  // `main` is the main thread's loop (no packets): the Redis clients run there.
  static Result<std::unique_ptr<Server>, std::string> create(const Config& config, Logger& log,
                                                             event_base* main);
  Server(Logger& log, std::unique_ptr<ServerTls> tls);  // use create()
  ~Server();

  void start();
  // Returns once every worker thread and the admin thread have ended. Safe from a signal
  // handler's thread; not from two threads at once.
  void stop();

  const std::vector<std::unique_ptr<Worker>>& workers() const { return workers_; }
  // Counters summed over workers.
  uint64_t sum(const Counter WorkerCounters::*counter) const;
  TurnShared& turn() { return *turn_; }
  // The main thread's once-a-second work: TurnShared::tick, and the admin API's held-back
  // log lines.
  void tick(Logger& log);
  // Null when no TLS listener is open.
  ServerTls* tls() { return tls_.get(); }
  // Lets POST /v1/reload reach the main thread (before start()).
  void set_reload(TaskQueue& main, ReloadHook reload);

 private:
  Logger& log_;
  std::unique_ptr<ServerTls> tls_;    // before the workers: their TLS listeners hold it
  std::unique_ptr<TurnShared> turn_;  // before the workers: their allocations lease its ports
  // Before the workers: their dispatchers count every source's answers in it.
  std::unique_ptr<UnauthenticatedLimits> limits_;
  std::unique_ptr<StreamLimits> stream_limits_;  // before the workers: their streams count in it
  std::vector<std::unique_ptr<Worker>> workers_;
  // After the workers: it posts to them, so it is stopped and destroyed first.
  std::unique_ptr<AdminServer> admin_;
};

}  // namespace tern
