#pragma once
// Asking every worker something without touching its state: a task is posted to each
// (Worker::post), each answers on its own thread, and the last to answer hands the
// answers back to the admin thread, where the HTTP reply is sent (evhttp is not
// thread-safe, so only its own loop may reply).

#include <atomic>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "base/task_queue.h"
#include "server/worker/worker.h"

namespace tern {

// `part` runs on each worker's thread; `done` runs on `home`'s thread with the parts in
// the workers' order. A worker that is stopping refuses the task: its part is a Part{}
// (ternd is going, and so are its allocations), so the request is still answered. When
// the admin thread itself is stopping, `done` never runs and the pending state is freed
// with the last queue holding it (the request goes with its connection).
template <typename Part>
void gather(std::span<const std::unique_ptr<Worker>> workers, TaskQueue& home,
            std::function<Part(Worker&)> part, std::function<void(std::vector<Part>)> done) {
  struct State {
    State(size_t n, std::function<void(std::vector<Part>)> d, TaskQueue& h)
        : parts(n), left(n), done(std::move(d)), home(h) {}
    std::vector<Part> parts;
    std::atomic<size_t> left;
    std::function<void(std::vector<Part>)> done;
    TaskQueue& home;
  };
  if (workers.empty()) {
    done({});
    return;
  }
  auto state = std::make_shared<State>(workers.size(), std::move(done), home);
  auto answered = [state] {
    // acq_rel: the last one sees every other worker's slot written.
    if (state->left.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    // Refused only while the admin thread stops: nobody is left to answer.
    (void)state->home.post([state] { state->done(std::move(state->parts)); });
  };
  for (size_t i = 0; i < workers.size(); ++i) {
    Worker& w = *workers[i];
    const bool posted = w.post([state, i, &w, part, answered] {
      state->parts[i] = part(w);  // each worker writes only its own slot
      answered();
    });
    if (!posted) answered();  // its slot stays Part{}
  }
}

}  // namespace tern
