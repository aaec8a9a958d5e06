#pragma once
// How other threads reach a worker (DESIGN.md: shared nothing): they post a task, and
// the worker runs it on its own loop. The lock guards only the hand-over, never the
// packet path.

#include <functional>
#include <mutex>
#include <vector>

#include "base/libevent.h"

namespace tern {

class TaskQueue {
 public:
  explicit TaskQueue(event_base* base);
  // Thread-safe; `task` runs on the worker's thread, soon, after those posted before it.
  void post(std::function<void()> task);

 private:
  static void on_wake(evutil_socket_t, short, void* self);
  void run_pending();

  std::mutex mutex_;
  std::vector<std::function<void()>> pending_;
  EventPtr wake_;
};

}  // namespace tern
