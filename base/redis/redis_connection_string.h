#pragma once
// coturn's Redis connection string, so a --redis-userdb line from an existing
// turnserver.conf works unchanged: space-separated key=value pairs, every one optional,
//   "ip=127.0.0.1 port=6379 dbname=0 password=secret connect_timeout=5"
// with coturn's aliases (host/ip/addr/ipaddr/hostaddr, dbname/db/database,
// password/pwd/passwd/secret, port/p, connect_timeout/timeout). `user=` (also uname,
// name, username), which coturn accepts and ignores, names a Redis 6 ACL user here.
//
// Redis Sentinel instead of a fixed server: "sentinel=10.0.0.1:26379,10.0.0.2:26379
// master=mymaster" (a port left out is 26379; IPv6 as [::1]:26379). The sentinels are
// asked for the master's address, and `sentinel-password=` (also sentinel_password) is the
// sentinels' own requirepass; user= and password= still log in to the master.
//
// TLS, with coturn 4.14's keys: "tls=1 ca=FILE cert=FILE clientkey=FILE" (also ssl=,
// tls-ca/cacert, capath/tls-capath, tls-cert, tls-key and key, sni/servername/tls-sni,
// verify/tls-verify=peer|none). The server certificate is verified against ca=/capath=
// (else the system's CAs) and against sni=, else the host (a name, or an IP address SAN);
// with Sentinel the sentinels and the master are all reached over TLS.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/result.h"

namespace tern {

struct RedisHostPort {
  std::string host;  // an IP address or a host name
  uint16_t port = 0;

  // "127.0.0.1:6379", "[::1]:6379"
  std::string address() const;
  bool operator==(const RedisHostPort&) const = default;
};

struct RedisTlsConfig {
  bool enabled = false;
  std::string ca;      // PEM CA bundle; empty (and no capath): the system's CAs
  std::string capath;  // OpenSSL hashed directory
  std::string cert;    // client certificate (mutual TLS); with key, or neither
  std::string key;
  std::string sni;     // the name to send and verify; empty: the host connected to
  bool verify = true;  // verify=none: no certificate check at all (tests only)

  bool operator==(const RedisTlsConfig&) const = default;
};

struct RedisConnectionConfig {
  std::string host = "127.0.0.1";  // an IP address or a host name
  uint16_t port = 6379;
  uint32_t db = 0;       // the SELECT number
  std::string user;      // ACL user; empty: AUTH with the password alone
  std::string password;  // empty: no AUTH
  // Bounds a connection attempt, and every command after it: an answer later than this
  // counts as a lost server.
  std::chrono::seconds connect_timeout{5};

  // Non-empty: host and port are not used; the sentinels name the master `master`.
  std::vector<RedisHostPort> sentinels;
  std::string master;
  std::string sentinel_password;  // empty: no AUTH to the sentinels

  RedisTlsConfig tls;

  bool uses_sentinel() const { return !sentinels.empty(); }
  // "127.0.0.1:6379", "[::1]:6379", or "master mymaster" with Sentinel: how log lines and
  // errors name the server.
  std::string address() const;

  bool operator==(const RedisConnectionConfig&) const = default;
};

// The error is one line naming the offending key or item. It never repeats a value: the
// string carries a password, and errors end up in logs.
Result<RedisConnectionConfig, std::string> parse_redis_connection_string(std::string_view text);

}  // namespace tern
