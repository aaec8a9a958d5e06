#pragma once
// ternd under systemd (Type=notify, sd_notify(3)): READY=1 once every worker's loop runs,
// STATUS= with the allocation count, STOPPING=1 at shutdown, and WATCHDOG=1 at half of
// WATCHDOG_USEC only while every worker's loop still answers, so a stuck worker gets
// ternd restarted. Without NOTIFY_SOCKET nothing is sent and no timer runs.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/libevent.h"

namespace tern {

class Logger;
class Worker;

// Tests only: TERN_TEST_STALL_WORKER_AFTER=SECONDS blocks worker 0's loop that long after
// startup, until shutdown (every worker told to stop), so a test can see the watchdog
// pings stop, or what a worker runs on its way out meet the others stopped.
inline constexpr char kStallWorkerEnv[] = "TERN_TEST_STALL_WORKER_AFTER";

class SystemdNotify {
 public:
  // `base` is the main thread's loop; the workers outlive this object.
  SystemdNotify(event_base* base, std::span<const std::unique_ptr<Worker>> workers, Logger& log);
  ~SystemdNotify();
  SystemdNotify(const SystemdNotify&) = delete;
  SystemdNotify& operator=(const SystemdNotify&) = delete;

  // After Server::start(): waits (bounded) until every worker's loop has run a task, then
  // sends READY=1. The error names the worker that did not answer.
  std::optional<std::string> ready();
  // Before Server::stop(): STOPPING=1, and the test stall (if any) lets its worker go.
  void stopping();
  // STATUS= says "draining" from now on, before the allocation count.
  void set_draining();

  struct Beat;   // one worker's answers, written on its thread
  struct Stall;  // the test hook

 private:
  static void on_timer(evutil_socket_t, short, void* self);
  static void on_stall(evutil_socket_t, short, void* self);
  bool answered(size_t worker) const;
  void post_beats();
  bool all_alive(int64_t now_ms);
  std::string status() const;  // "N allocations, M workers"
  void update_status();
  void notify(const std::string& state);
  void arm_stall_hook(event_base* base);

  std::span<const std::unique_ptr<Worker>> workers_;
  Logger& log_;
  bool enabled_ = false;                      // NOTIFY_SOCKET is set
  int64_t watchdog_usec_ = 0;                 // 0: no watchdog
  std::shared_ptr<std::vector<Beat>> beats_;  // shared with the tasks posted to workers
  uint64_t sent_ = 0;                         // the last beat posted to any worker
  std::vector<uint64_t> posted_;              // the last beat posted to each worker
  std::vector<std::optional<int64_t>> unanswered_since_ms_;
  std::vector<bool> reported_stuck_;
  std::string status_;
  bool draining_ = false;
  bool send_failed_ = false;
  std::shared_ptr<Stall> stall_;
  EventPtr timer_;
  EventPtr stall_timer_;
};

}  // namespace tern
