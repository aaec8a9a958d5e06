#pragma once
// What one client may hold on an admin or /metrics listener. evhttp's own timeout
// restarts on every byte, so a client sending a header line every few seconds (slowloris)
// would keep a connection for ever, and evhttp accepts as many as come. This caps the
// connections open at once (and from one address) and gives each an absolute deadline from accept
// to a whole request; past either, the connection is shut down (evhttp then sees the end and frees
// it) and counted. Every reply closes its connection, so one request is all a connection
// ever carries. Admin thread only.

#include <event2/http.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "base/libevent.h"
#include "server/admin/admin_auth_limiter.h"

namespace tern {

class Logger;

struct AdminConnectionLimits {
  size_t max_connections = 64;
  // One address may not take the whole cap: an operator elsewhere still gets in. Unix
  // socket peers are all "local" and not limited this way.
  size_t max_per_source = 8;
  int64_t request_deadline_ms = 10'000;
};

class AdminConnections {
 public:
  AdminConnections(event_base* base, AdminConnectionLimits limits, Logger& log);
  AdminConnections(const AdminConnections&) = delete;
  AdminConnections& operator=(const AdminConnections&) = delete;

  // Takes over making `http`'s connections and its generic callback: `handler(req, arg)`
  // runs for each whole request. `what` names the listener in the log.
  void attach(evhttp* http, void (*handler)(evhttp_request*, void*), void* arg, std::string what);

  uint64_t closed_over_cap() const { return closed_over_cap_; }
  uint64_t closed_late() const { return closed_late_; }

 private:
  using HeldBufferEvent = std::unique_ptr<bufferevent, Deleter<bufferevent_decref>>;
  enum class Cause { Late, OverCap, SourceOverCap };  // why it would be shut
  struct Connection {
    HeldBufferEvent bev;  // our reference keeps the pointer unique while we track it
    int64_t deadline_ms;
    Cause cause;
    std::string source;  // admin_source_key; empty until its socket is known
  };

  static bufferevent* on_new_connection(event_base* base, void* self);
  static void on_request(evhttp_request* req, void* self);
  static void on_sweep(evutil_socket_t, short, void* self);
  void sweep();
  // Connections from an address past max_per_source are due at once.
  void apply_source_cap(int64_t now);
  // Drops the connections evhttp has let go of; the ones still open remain.
  void forget_released();
  void shut(Connection& c);
  std::string describe(const Connection& c) const;
  void schedule_sweep(int64_t in_ms);

  event_base* base_;
  AdminConnectionLimits limits_;
  Logger& log_;
  std::string what_;
  void (*handler_)(evhttp_request*, void*) = nullptr;
  void* handler_arg_ = nullptr;
  std::unordered_map<bufferevent*, Connection> open_;  // no whole request yet
  EventPtr sweep_timer_;
  uint64_t closed_over_cap_ = 0, closed_late_ = 0;
  LogThrottle log_throttle_{60'000};
};

}  // namespace tern
