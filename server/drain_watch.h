#pragma once
// The main thread's side of a drain (drain_state.h): notices that one began (SIGUSR1 or
// `ternctl drain`), says so in the log and to systemd, counts the allocations left in
// every worker, and ends the main loop once none is left or drain-timeout has passed,
// so ternd stops as after SIGTERM and exits 0.

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "base/libevent.h"

namespace tern {

class Logger;
class Server;
class SystemdNotify;

class DrainWatch {
 public:
  // `base` is the main thread's loop; `server` and `systemd` outlive this object.
  DrainWatch(event_base* base, Server& server, SystemdNotify& systemd, uint32_t timeout_s,
             Logger& log);
  ~DrainWatch();
  DrainWatch(const DrainWatch&) = delete;
  DrainWatch& operator=(const DrainWatch&) = delete;

  // Main thread (a signal handler's callback): begins the drain.
  void begin(std::string_view why);

  struct Counts;  // each worker's answer, written on its thread

 private:
  static void on_tick(evutil_socket_t, short, void* self);
  void tick();
  void started();
  // The allocations left, once every worker answered the last round; then posts another.
  std::optional<uint64_t> poll_allocations();

  event_base* base_;
  Server& server_;
  SystemdNotify& systemd_;
  uint32_t timeout_s_;
  Logger& log_;
  bool seen_ = false;  // the drain's start was logged
  uint64_t round_ = 0;
  std::shared_ptr<Counts> counts_;
  EventPtr timer_;
};

}  // namespace tern
