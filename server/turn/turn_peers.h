#pragma once
// How one worker's TURN code reaches another worker's: RFC 8016 mobility moves an
// allocation to the worker the kernel's SO_REUSEPORT hash picks for the client's new
// address (mobility.cpp). An interface owned here, since the workers live above this
// folder; the worker layer implements it over the workers' task queues.

#include <functional>

namespace tern {

struct TurnContext;

class TurnPeers {
 public:
  // Runs `task` soon on worker `worker`'s thread, with that worker's TurnContext. False
  // when there is no such worker or it is stopping: nothing runs then, and whatever the
  // task was to carry stays the caller's. True: it runs, even if the worker stops first.
  virtual bool post(unsigned worker, std::function<void(TurnContext&)> task) = 0;

 protected:
  ~TurnPeers() = default;
};

}  // namespace tern
