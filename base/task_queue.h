#pragma once
// How other threads reach a worker (DESIGN.md: shared nothing): they post a task, and
// the worker runs it on its own loop. The lock guards only the hand-over, never the
// packet path.
//
// A task it refused never runs. Once close() is called every post is refused, and what
// was accepted before runs on the loop or, when the loop ended first, in finish(): an
// owner that calls finish() once its loop ended (Worker does) runs every task it
// accepted. So a task that carries something with an end of its own to do (an RFC 8016
// handover carries an allocation) is never dropped unrun: its poster, told false, still
// holds it. (The admin thread's and the main thread's queues are closed or left as their
// loops end; what they still hold is a request's answer, which goes with its connection.)

#include <functional>
#include <mutex>
#include <vector>

#include "base/libevent.h"

namespace tern {

class TaskQueue {
 public:
  explicit TaskQueue(event_base* base);
  // Thread-safe; `task` runs on the queue's thread, soon, after those posted before it.
  // False once close() was called: the task is dropped unrun, and the caller deals with
  // what it was for.
  [[nodiscard]] bool post(std::function<void()> task);
  // Thread-safe: refuses every later post, and queues `last` after the tasks already
  // accepted (the loop's break, say). Again: does nothing.
  void close(std::function<void()> last = nullptr);
  // Thread-safe: close() (or finish()) was called.
  bool closed() const;
  // On the queue's thread once its loop has stopped (or where it never ran): closes the
  // queue if close() did not, and runs what was accepted and not run yet, so nothing
  // accepted is lost.
  void finish();

 private:
  static void on_wake(evutil_socket_t, short, void* self);
  void run_pending();

  mutable std::mutex mutex_;
  std::vector<std::function<void()>> pending_;
  bool closed_ = false;
  EventPtr wake_;
};

}  // namespace tern
