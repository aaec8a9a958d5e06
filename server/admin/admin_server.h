#pragma once
// The admin thread: an event_base of its own carrying the admin API's listener and, when
// configured, /metrics', so admin work never runs on a worker loop. Owned by Server,
// started and stopped with it.

#include <memory>
#include <span>
#include <string>
#include <thread>

#include "base/libevent.h"
#include "base/task_queue.h"
#include "protocol/result.h"
#include "server/admin/admin_api.h"
#include "server/admin/admin_connections.h"
#include "server/admin/admin_http.h"

namespace tern {

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
  void set_reload(TaskQueue& main, ReloadHook reload) { api_.set_reload(main, std::move(reload)); }
  // The main thread's tick: the admin log lines a minute held back.
  void flush_logs(int64_t now_ms) { api_.flush_logs(now_ms); }

  void start();
  // Returns once the admin thread has ended; again, does nothing. Requests still waiting
  // for the workers are dropped with their connections.
  void stop();

 private:
  Logger& log_;
  EventBasePtr base_;
  std::unique_ptr<TaskQueue> home_;
  AdminApi api_;
  std::unique_ptr<AdminConnections> admin_guard_, metrics_guard_;
  EvHttpPtr admin_;  // after api_, home_ and the guards: the listeners go first
  EvHttpPtr metrics_;
  std::string unix_socket_;  // removed at the end
  std::thread thread_;
};

}  // namespace tern
