#pragma once
// `ternctl fleet` and `ternctl fleet sessions`: every ternd sharing a statsdb
// (--redis-statsdb), read from Redis rather than from each node: the heartbeats the nodes
// keep (auth/fleet_keys.h) and coturn's allocation status keys.

#include <cstdint>
#include <optional>
#include <string>

#include "admin/command_support.h"

namespace tern::admin {

struct FleetArgs {
  std::string redis_statsdb;  // coturn's connection string, as ternd's --redis-statsdb
  bool json = false;
};

// Every node (stale ones marked: no heartbeat for kStaleAfterIntervals intervals) and
// the totals of the live ones. `now` is unix seconds.
int fleet_nodes(const FleetArgs& args, int64_t now, Streams io);
// The allocations of the whole fleet (of `user` only when given), from coturn's keys
// turn/realm/<realm>/user/<user>/allocation/<id>/status.
int fleet_sessions(const FleetArgs& args, const std::optional<std::string>& user, Streams io);
// Asks every node listening on the statsdb to end `user`'s allocations; fails when no
// node listens (none would act on it).
int fleet_kill(const FleetArgs& args, const std::string& user, Streams io);

}  // namespace tern::admin
