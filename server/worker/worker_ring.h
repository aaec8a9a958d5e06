#pragma once
// Every worker of the server, as TURN code sees the others (TurnPeers): RFC 8016 moves an
// allocation to the worker a moved client's datagrams now reach (server/turn/mobility.cpp).
// Made by the server once its workers exist, before they start; it outlives them.

#include <memory>
#include <span>

#include "server/turn/turn_peers.h"

namespace tern {

class Worker;

class WorkerRing final : public TurnPeers {
 public:
  explicit WorkerRing(std::span<const std::unique_ptr<Worker>> workers) : workers_(workers) {}
  bool post(unsigned worker, std::function<void(TurnContext&)> task) override;

 private:
  std::span<const std::unique_ptr<Worker>> workers_;
};

}  // namespace tern
