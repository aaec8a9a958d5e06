#include "base/task_queue.h"

namespace tern {

TaskQueue::TaskQueue(event_base* base) : wake_(event_new(base, -1, 0, on_wake, this)) {}

void TaskQueue::post(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    pending_.push_back(std::move(task));
  }
  // Safe from any thread once evthread_use_pthreads() ran (main does it first).
  event_active(wake_.get(), EV_READ, 0);
}

void TaskQueue::on_wake(evutil_socket_t, short, void* self) {
  static_cast<TaskQueue*>(self)->run_pending();
}

void TaskQueue::run_pending() {
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard lock(mutex_);
    tasks.swap(pending_);
  }
  for (auto& t : tasks) t();
}

}  // namespace tern
