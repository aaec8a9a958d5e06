#pragma once
// The admin thread: an event_base of its own carrying the admin API's listener and, when
// configured, /metrics', so admin work never runs on a worker loop. Owned by Server,
// started and stopped with it.

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "base/file_descriptor.h"
#include "base/libevent.h"
#include "base/task_queue.h"
#include "protocol/result.h"
#include "server/admin/admin_api.h"
#include "server/admin/admin_connections.h"
#include "server/admin/admin_http.h"

namespace tern {

class ChannelOffload;
class DrainState;
class Logger;
class Worker;

struct AdminSettings {
  std::string listen;             // empty: no admin API
  std::string token;              // required when listen is set
  std::string prometheus_listen;  // empty: no /metrics
  AdminConnectionLimits limits;   // for each of the two listeners
  DrainState* drain = nullptr;    // POST /v1/drain sets it; stats show it
  ConsoleSettings console;        // the web console and its overview's facts
  // The kernel programs, whose totals /metrics shows; null without them.
  const ChannelOffload* offload = nullptr;
};

// A reload's admin and /metrics listeners and token, bound on the main thread before
// anything changes (AdminServer::prepare_reload); what did not change is not here.
struct AdminReload {
  std::optional<std::string> listen, prometheus_listen;  // the new address; "" = off
  FileDescriptor admin_fd, metrics_fd;                   // bound for them
  std::optional<std::string> token;                      // a new one the admin API takes
  std::optional<bool> console;                           // web-admin turned on or off
};

class AdminServer {
 public:
  // Opens the listeners. The admin API is on by default, so an admin address that cannot
  // be had (a second ternd on the host) is logged and the server runs without it; /metrics
  // is only on when asked for, so failing to get its address is the error.
  static Result<std::unique_ptr<AdminServer>, std::string> create(
      const AdminSettings& settings, std::span<const std::unique_ptr<Worker>> workers, Logger& log);
  AdminServer(std::span<const std::unique_ptr<Worker>> workers, const std::string& token,
              DrainState* drain, Logger& log);  // use create()
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  bool admin_listening() const { return admin_ != nullptr; }
  // Main thread (a reload): binds the addresses that change ("" turns a listener off);
  // `api_on` is false when there is no admin token any more, which turns the admin API off
  // as at startup; `web_admin` serves the console's page or stops serving it. The error
  // names the option, the address and the reason. An unchanged listener is not touched, so
  // its open connections go on. The token is the caller's (Server owns the one in force):
  // it sets the change's token when the admin API is to take a new one.
  Result<AdminReload, std::string> prepare_reload(const std::string& listen,
                                                  const std::string& prometheus_listen, bool api_on,
                                                  bool web_admin);
  // Main thread: whether the admin API listens once `change` is committed.
  bool listens_after(const AdminReload& change) const;
  // Main thread: the admin thread serves what `change` bound and stops listening on the
  // addresses it replaces (their connections still get their answers, a `ternctl reload`'s
  // own among them); one line per change, for the log.
  std::vector<std::string> commit_reload(AdminReload change);
  void set_reload(TaskQueue& main, ReloadHook reload) { api_.set_reload(main, std::move(reload)); }
  // Main thread (a reload): the console's overview and ICE test show these from now on.
  void set_console_facts(ConsoleFacts facts);
  // The main thread's tick: the admin log lines a minute held back.
  void flush_logs(int64_t now_ms) { api_.flush_logs(now_ms); }

  void start();
  // Returns once the admin thread has ended; again, does nothing. Requests still waiting
  // for the workers are dropped with their connections.
  void stop();

 private:
  // Admin thread: commit_reload's work.
  void swap_listeners(AdminReload& change);
  void retire(EvHttpPtr& http);
  EvHttpPtr serve(FileDescriptor fd, const std::string& listen,
                  std::unique_ptr<AdminConnections>& guard, void (*handler)(evhttp_request*, void*),
                  const std::string& what);

  Logger& log_;
  EventBasePtr base_;
  std::unique_ptr<TaskQueue> home_;
  AdminApi api_;
  std::unique_ptr<AdminConnections> admin_guard_, metrics_guard_;
  EvHttpPtr admin_;  // after api_, home_ and the guards: the listeners go first
  EvHttpPtr metrics_;
  // Replaced by a reload: not listening, kept until the end for the answers still owed
  // to their connections (evhttp frees those with it).
  std::vector<EvHttpPtr> retired_;
  std::string unix_socket_;  // removed at the end
  // In force, as the main thread last set them (prepare_reload compares against these).
  std::string listen_, prometheus_listen_;
  bool listening_ = false;  // the admin API's listener, as the main thread last set it
  bool console_ = false;
  AdminConnectionLimits limits_;
  std::thread thread_;
};

}  // namespace tern
