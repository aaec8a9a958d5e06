#pragma once
// The fleet heartbeat in the statsdb (--redis-statsdb), beside coturn's allocation keys:
// each ternd keeps one JSON value under tern/fleet/node/<node-id>, rewritten every
// interval with an expiry, and ternctl fleet reads them all. Here because both sides
// (server/fleet_heartbeat, admin/fleet_commands) must agree and neither may include the
// other.

#include <cstdint>
#include <string>
#include <string_view>

namespace tern::auth::fleet_keys {

inline constexpr std::string_view kNodePrefix = "tern/fleet/node/";

inline std::string node_key(std::string_view node_id) {
  return std::string(kNodePrefix) + std::string(node_id);
}

// A node is stale (marked by ternctl) when its last heartbeat is older than this many
// intervals: one late beat on a loaded machine is not a dead node.
inline constexpr int64_t kStaleAfterIntervals = 3;

// The key outlives the node by this long, so a node that died stays in the fleet view,
// marked stale, for a while before it disappears.
inline constexpr int64_t kKeyTtlSeconds = 300;

// `ternctl fleet kill --user U` publishes U here; every node subscribed ends U's
// allocations.
inline constexpr std::string_view kKillChannel = "tern/fleet/kill";

}  // namespace tern::auth::fleet_keys
