#pragma once
// coturn's Redis connection string, so a --redis-userdb line from an existing
// turnserver.conf works unchanged: space-separated key=value pairs, every one optional,
//   "ip=127.0.0.1 port=6379 dbname=0 password=secret connect_timeout=5"
// with coturn's aliases (host/ip/addr/ipaddr/hostaddr, dbname/db/database,
// password/pwd/passwd/secret, port/p, connect_timeout/timeout). `user=` (also uname,
// name, username), which coturn accepts and ignores, names a Redis 6 ACL user here.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/result.h"

namespace tern {

struct RedisConnectionConfig {
  std::string host = "127.0.0.1";  // an IP address or a host name
  uint16_t port = 6379;
  uint32_t db = 0;       // the SELECT number
  std::string user;      // ACL user; empty: AUTH with the password alone
  std::string password;  // empty: no AUTH
  // Bounds a connection attempt, and every command after it: an answer later than this
  // counts as a lost server.
  std::chrono::seconds connect_timeout{5};

  // "127.0.0.1:6379", "[::1]:6379": how log lines and errors name the server.
  std::string address() const;

  bool operator==(const RedisConnectionConfig&) const = default;
};

// The error is one line naming the offending key or item. It never repeats a value: the
// string carries a password, and errors end up in logs.
Result<RedisConnectionConfig, std::string> parse_redis_connection_string(std::string_view text);

}  // namespace tern
