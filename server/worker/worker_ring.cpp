#include "server/worker/worker_ring.h"

#include "server/worker/worker.h"

namespace tern {

bool WorkerRing::post(unsigned worker, std::function<void(TurnContext&)> task) {
  if (worker >= workers_.size()) return false;
  return workers_[worker]->post_turn(std::move(task));
}

}  // namespace tern
