#pragma once
// The master's address from Redis Sentinel, asked with blocking calls: for a command-line
// tool (ternctl), not for a server loop (base/redis/redis_sentinel.h is the async one).

#include <string>

#include "base/redis/redis_connection_string.h"
#include "protocol/result.h"

namespace tern {

// Asks config.sentinels in order (each bounded by connect_timeout) until one names
// config.master. The error names what each sentinel said.
Result<RedisHostPort, std::string> lookup_sentinel_master(const RedisConnectionConfig& config);

}  // namespace tern
