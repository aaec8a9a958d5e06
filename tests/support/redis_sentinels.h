#pragma once
// A Redis that fails over, for tests: one master, one replica and three redis-sentinels on
// free loopback ports, with short timeouts so that a killed master is replaced in a few
// seconds. Every process is killed with the object (and with the test process if that dies).

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/redis_server.h"
#include "tests/support/temp_dir.h"

namespace tern::test {

class RedisSentinels {
 public:
  static constexpr const char* kMaster = "tern-master";

  // nullptr when the set cannot be started or, with `failover_ready`, does not come
  // together (sentinels that do not see the replica and each other, which takes a few
  // seconds of hello messages); `error` then says why. Without it the sentinels answer
  // for the master as soon as they are up, but a failover may not happen yet.
  // A set whose replica is not `promotable` never fails over: the master stays down.
  // `options` are the master's and the replica's; with a TLS certificate the servers
  // replicate over TLS and the sentinels, with the same certificate, answer on TLS ports
  // too and reach the servers and each other over TLS.
  static std::unique_ptr<RedisSentinels> start(std::string& error, bool failover_ready = true,
                                               bool promotable = true,
                                               const RedisServer::Options& options = {});
  ~RedisSentinels();
  RedisSentinels(const RedisSentinels&) = delete;
  RedisSentinels& operator=(const RedisSentinels&) = delete;

  // "sentinel=127.0.0.1:A,127.0.0.1:B,127.0.0.1:C master=tern-master"; with TLS the
  // sentinels' TLS ports and "tls=1 sni=localhost ca=<tls_ca>" (the test certificates
  // name localhost; the servers are named by address).
  std::string connection_string() const;
  // The plain ports, for the test's own commands.
  const std::vector<uint16_t>& sentinel_ports() const { return sentinel_ports_; }

  // The server the sentinels name the master now (asking the first that answers), or
  // nullptr when none answers or it names neither server.
  RedisServer* master() const;
  // Waits (up to `limit`) until every sentinel names a master other than `old`, and it
  // answers as a master; that server, or nullptr.
  RedisServer* wait_for_failover(const RedisServer& old, std::chrono::milliseconds limit) const;

  RedisServer& first() { return *servers_[0]; }   // the master at start
  RedisServer& second() { return *servers_[1]; }  // the replica at start
  std::string log() const;                        // the sentinels' logs

 private:
  struct Passkey {};

 public:
  explicit RedisSentinels(Passkey) {}

 private:
  bool start_sentinel(std::string& error);
  bool wait_until_joined(std::string& error) const;
  RedisServer* server_on(uint16_t port) const;

  bool tls() const { return !options_.tls_cert.empty(); }

  RedisServer::Options options_;
  TempDir dir_;
  std::vector<std::unique_ptr<RedisServer>> servers_;
  std::vector<uint16_t> sentinel_ports_, sentinel_tls_ports_;
  std::vector<pid_t> sentinel_pids_;
};

}  // namespace tern::test
