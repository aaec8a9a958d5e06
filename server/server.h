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
#include "server/admin/admin_token.h"
#include "server/config/config.h"
#include "server/offload/channel_offload.h"
#include "server/shared/challenge_limiter.h"
#include "server/shared/turn_shared.h"
#include "server/worker/worker.h"
#include "server/worker/worker_ring.h"

namespace tern {

class Logger;

// Where to listen, resolved from the config: every --listening-ip, or every address of
// the machine's interfaces when none is given.
Result<ListenPlan, std::string> make_listen_plan(const Config& config, bool with_tls);

// The TLS context the config asks for: nullptr when TLS is off (no-tls, or no cert and
// pkey); the error names the file and OpenSSL's reason. Reads files, opens no socket.
Result<SslCtxPtr, std::string> make_tls_context(const Config& config);

// A reload's change of listeners, bound and not yet served (server_listeners.cpp).
struct ListenerChange {
  ListenPlan plan;                                // the whole new plan
  ListenPlan added, removed;                      // against the plan in force
  std::vector<std::vector<BoundSocket>> sockets;  // `added`, bound once per worker
};

// A reload's admin API and /metrics listeners and admin token (server_listeners.cpp):
// bound and staged, not yet in force.
struct AdminChange {
  AdminReload listeners;
  std::optional<AdminToken> token;      // in force after the commit; nullopt: none, API off
  std::optional<StagedTokenFile> file;  // the token's file, renamed into place on commit
  std::string stale_file;               // a token file ternd wrote that the token leaves
  std::vector<std::string> lines;       // what changed about the token, never the token
};

// What the web console shows of `plan` and the relay addresses (server.cpp).
ConsoleFacts console_facts(const ListenPlan& plan, const TurnShared& turn);

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
  // Null when no TLS listener was ever opened (a reload may turn TLS off and leave it).
  ServerTls* tls() { return tls_.get(); }
  // A reload turns TLS on: the TLS listeners it commits next use `ctx` (main thread).
  void enable_tls(SslCtxPtr ctx) { tls_ = std::make_unique<ServerTls>(std::move(ctx)); }
  // Main thread (reload): binds, for every worker, what `plan` adds to the plan in force;
  // nothing changes yet. The error names the address and why it cannot be bound.
  Result<ListenerChange, std::string> prepare_listeners(const ListenPlan& plan);
  // Hands the bound sockets to the workers and retires what `change` removes: one line
  // per listener opened or closed, for the log.
  std::vector<std::string> commit_listeners(ListenerChange change);
  const ListenPlan& plan() const { return plan_; }
  // A reload's admin API and /metrics listeners and admin token, likewise bound first and
  // then committed (server_listeners.cpp); the error names the option and the reason.
  // The token follows the startup rule (choose_admin_token), so admin-token set, removed
  // or changed and admin-token-file changed all apply.
  Result<AdminChange, std::string> prepare_admin(const Config& fresh);
  std::vector<std::string> commit_admin(AdminChange change);

  // Lets POST /v1/reload reach the main thread (before start()).
  void set_reload(TaskQueue& main, ReloadHook reload);

 private:
  Logger& log_;
  ListenPlan plan_;  // in force
  // Every address listened on since startup: a UDP one a reload removed may still be
  // bound by our own retired sockets, which the "port in use" check would take for
  // another server's.
  std::vector<std::pair<ListenerKind, TransportAddress>> ever_listened_;
  std::unique_ptr<ServerTls> tls_;           // before the workers: their TLS listeners hold it
  std::unique_ptr<ChannelOffload> offload_;  // before turn_ and the workers, which use it
  std::unique_ptr<TurnShared> turn_;  // before the workers: their allocations lease its ports
  // Before the workers: their dispatchers count every source's answers in it.
  std::unique_ptr<UnauthenticatedLimits> limits_;
  std::unique_ptr<StreamLimits> stream_limits_;  // before the workers: their streams count in it
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<WorkerRing> ring_;  // the workers' view of each other (RFC 8016 moves)
  // After the workers: it posts to them, so it is stopped and destroyed first.
  std::unique_ptr<AdminServer> admin_;
  std::optional<AdminToken> admin_token_;  // the admin API's, in force (main thread)
};

}  // namespace tern
