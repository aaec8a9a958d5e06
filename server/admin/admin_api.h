#pragma once
// The admin API's routes (HTTP+JSON for ternctl) and /metrics. Runs on the admin thread
// only; what it needs from the workers it asks for with admin_gather.h.
//
//   GET    /v1/sessions[?user=U]      the live allocations
//   DELETE /v1/sessions/<id>          kill one
//   POST   /v1/sessions/kill?user=U   kill every one of a user
//   GET    /v1/stats                  counters, allocations, uptime, version, draining
//   POST   /v1/reload                 re-read the config file (as SIGHUP); 409 if refused
//   POST   /v1/drain                  begin draining (drain_state.h); answers the allocations left
//   POST   /v1/log-level?level=L      the log's level from now on (debug, info, warning, error)
//   POST   /v1/ice-credential         a 10-minute REST credential for the console's ICE test
//   GET    /, /app.js, ...            the web console (--web-admin; web_console.h), no token
//   GET    /metrics                   Prometheus text (its own listener, no token)
//
// Routes are fixed strings, never file paths. Every admin request but the console's files needs
// "Authorization: Bearer <token>"; without it the answer is 401 whatever the path, so
// the routes are not discoverable. A source that keeps failing is answered 429 (see
// admin_auth_limiter.h), and failures are logged, rate-limited, never with the token.

#include <event2/http.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/task_queue.h"
#include "server/admin/admin_auth_limiter.h"
#include "server/admin/admin_session.h"
#include "server/admin/admin_token.h"
#include "server/admin/admin_unauthorized_log.h"
#include "server/admin/ice_credential.h"
#include "server/admin/metrics.h"

namespace tern {

class ChannelOffload;
class DrainState;
class Logger;
class Worker;

// What a reload did: applied, or refused with the old configuration kept; the lines it
// logged, for `ternctl reload` to print.
struct ReloadOutcome {
  bool applied = false;
  std::vector<std::string> lines;
};
// Runs on the main thread, which owns the configuration.
using ReloadHook = std::function<ReloadOutcome()>;

// What the console's overview and ICE test show of the listen plan; a reload replaces them.
struct ConsoleFacts {
  std::vector<std::string> listeners;        // "udp 127.0.0.1:3478"
  std::vector<std::string> relay_addresses;  // "192.0.2.1"
  std::vector<std::string> ice_urls;         // what a minted credential is good for
};

// The web console (--web-admin) and what its overview shows beyond the counters.
struct ConsoleSettings {
  bool enabled = false;  // serve the page at /
  IceCredentialSource ice;
  std::vector<std::string> listeners;        // as ConsoleFacts
  std::vector<std::string> relay_addresses;  // as ConsoleFacts
};

class AdminApi {
 public:
  // `home` runs tasks on the admin thread.
  // `drain` may be null (no drain route, never draining).
  AdminApi(std::span<const std::unique_ptr<Worker>> workers, TaskQueue& home,
           std::string_view token, DrainState* drain, Logger& log);
  AdminApi(const AdminApi&) = delete;
  AdminApi& operator=(const AdminApi&) = delete;

  // Before the admin thread starts; without it POST /v1/reload is 404.
  void set_reload(TaskQueue& main, ReloadHook reload) {
    main_ = &main;
    reload_ = std::move(reload);
  }

  // A reload's new token (admin thread): the next request must carry it.
  void set_token(std::string_view token) { bearer_ = BearerCheck(token); }
  // Before the admin thread starts.
  void set_console(ConsoleSettings console) { console_ = std::move(console); }
  // Before the admin thread starts; null without the kernel programs. Their totals are read
  // from the admin thread (a few bpf() calls, which any thread may make).
  void set_offload(const ChannelOffload* offload) { offload_ = offload; }
  // Admin thread: a reload's web-admin; the page is served, or not, from the next request.
  void set_console_enabled(bool on) { console_.enabled = on; }
  // Admin thread: a reload's listeners and relay addresses.
  void set_console_facts(ConsoleFacts facts) {
    console_.listeners = std::move(facts.listeners);
    console_.relay_addresses = std::move(facts.relay_addresses);
    console_.ice.urls = std::move(facts.ice_urls);
  }

  // evhttp's generic callbacks; `self` is the AdminApi.
  static void on_admin_request(evhttp_request* req, void* self);
  static void on_metrics_request(evhttp_request* req, void* self);
  // Says the 401 lines a source's minute did not log once it has ended (any thread).
  void flush_logs(int64_t now_ms) { failure_log_.flush(now_ms); }

 private:
  void handle_admin(evhttp_request* req);
  // False when the request is refused (429 or 401, answered here) before it is routed.
  bool admitted(evhttp_request* req);
  void handle_metrics(evhttp_request* req);
  void list_sessions(evhttp_request* req, SessionFilter filter);
  // `one`: a single session by id, so no match is a 404 rather than {"killed":0}.
  void kill(evhttp_request* req, SessionFilter filter, bool one);
  void stats(evhttp_request* req, bool prometheus);
  void reload(evhttp_request* req);
  void drain(evhttp_request* req);
  void set_log_level(evhttp_request* req, const std::string& query);
  void mint_credential(evhttp_request* req);
  MetricsSnapshot snapshot(const std::vector<uint64_t>& worker_allocations) const;

  std::span<const std::unique_ptr<Worker>> workers_;
  TaskQueue& home_;
  BearerCheck bearer_;
  AdminAuthLimiter failures_;
  AdminUnauthorizedLog failure_log_;
  LogThrottle held_back_log_{10'000};
  AdminAuthCounts auth_counts_;  // admin thread only, like everything here
  DrainState* drain_;
  Logger& log_;
  int64_t started_ms_;
  TaskQueue* main_ = nullptr;
  ReloadHook reload_;
  ConsoleSettings console_;
  const ChannelOffload* offload_ = nullptr;
};

}  // namespace tern
