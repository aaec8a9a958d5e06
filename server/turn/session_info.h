#pragma once
// What an operator sees of a live allocation, copied out on its worker's thread so the
// admin thread never reads a worker's table.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/turn/allocation.h"

namespace tern {

struct PermissionInfo {
  std::string ip;
  int64_t seconds_left = 0;
};

struct ChannelInfo {
  uint16_t number = 0;
  std::string peer;
  int64_t seconds_left = 0;
};

struct SessionInfo {
  std::string id;
  std::string user;
  std::string realm;
  std::string transport;  // "udp", "tcp" or "tls"
  std::string client;     // the 5-tuple's two ends
  std::string server;
  std::vector<std::string> relayed;  // as clients and peers see them
  int64_t created = 0;               // wall-clock seconds
  int64_t lifetime_left = 0;         // seconds
  TrafficCounters traffic;
  std::vector<PermissionInfo> permissions;
  std::vector<ChannelInfo> channels;
  unsigned worker = 0;  // the one holding it now, not always the one that made it (RFC 8016)
};

// Which sessions an admin request is about; an empty filter matches every one.
struct SessionFilter {
  std::optional<std::string> user;
  std::optional<AllocationId> id;
  // When set, only sessions whose username it accepts (revoked ones, say).
  std::function<bool(std::string_view user)> user_if;

  bool matches(const Allocation& a) const;
};

// `a`, held by worker `worker`, as seen at `now_ms` (the steady clock lifetimes are kept
// in). Permissions and channels that have lapsed but are not swept yet are left out. The
// holder is given, not read from the id: an RFC 8016 move takes an allocation to another
// worker, and its id keeps naming the one that made it.
SessionInfo describe_session(const Allocation& a, unsigned worker, std::string_view realm,
                             int64_t now_ms);

}  // namespace tern
