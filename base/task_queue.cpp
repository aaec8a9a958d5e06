#include "base/task_queue.h"

namespace tern {

TaskQueue::TaskQueue(event_base* base) : wake_(event_new(base, -1, 0, on_wake, this)) {}

bool TaskQueue::post(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return false;
    pending_.push_back(std::move(task));
  }
  // Safe from any thread once evthread_use_pthreads() ran (main does it first).
  event_active(wake_.get(), EV_READ, 0);
  return true;
}

void TaskQueue::close(std::function<void()> last) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    if (last) pending_.push_back(std::move(last));
  }
  event_active(wake_.get(), EV_READ, 0);
}

bool TaskQueue::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

void TaskQueue::finish() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;  // so nothing can join what is run here
  }
  run_pending();
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
