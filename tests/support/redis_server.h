#pragma once
// A real redis-server for tests: on a free loopback port, in a temp dir of its own,
// killed with the test process if that dies. It can be stopped and started again on the
// same port with its data (saved to dump.rdb on SIGTERM), or frozen with SIGSTOP to play a
// hung server. redis-cli talks to it as an operator would.

#include <sys/types.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace tern::test {

// One RESP value at `pos`, flattened: an array becomes its members (nested ones too), a
// bulk or simple string, error or integer one member, a nil bulk "". nullopt while `in`
// holds only part of it; `pos` moves past the value once it is whole.
std::optional<std::vector<std::string>> parse_resp(const std::string& in, size_t& pos);

// One command to the Redis (or redis-sentinel) on 127.0.0.1:port, over a socket of its own,
// answered as RedisServer::call() says.
std::string redis_call(uint16_t port, const std::vector<std::string>& argv,
                       const std::string& password = "");

class RedisServer {
 public:
  struct Options {
    std::string notify_keyspace_events;  // "" (Redis' default: off), "KEA", ...
    std::string password;                // requirepass; empty: none
    // Non-empty: also a TLS port (tls_port()) with this certificate and key, which is
    // also the client certificate a replica presents to its master, over TLS. The plain
    // port stays, for the test's own commands.
    std::string tls_cert = {};
    std::string tls_key = {};
    std::string tls_ca = {};
    // "optional": clients may present a certificate signed by tls_ca; "yes": they must.
    std::string tls_auth_clients = "optional";
  };

  // nullptr when redis-server cannot be started; `error` then says why.
  static std::unique_ptr<RedisServer> start(const Options& options, std::string& error);
  // A replica of `master`, with its options: over TLS to its TLS port when it has one. One
  // that is not `promotable` (replica-priority 0) is never made the master by Sentinel.
  static std::unique_ptr<RedisServer> start_replica(const RedisServer& master, std::string& error,
                                                    bool promotable = true);
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  uint16_t port() const { return port_; }
  uint16_t tls_port() const { return tls_port_; }  // 0 without Options::tls_cert
  // The port clients and Sentinel reach it on: the TLS one when there is one.
  uint16_t service_port() const { return tls_port_ != 0 ? tls_port_ : port_; }
  const Options& options() const { return options_; }
  // coturn's form: "ip=127.0.0.1 port=<port>" (and password= when there is one).
  std::string connection_string() const;

  // SIGTERM and wait: Redis saves its data on the way out.
  bool stop();
  // Same port, same dir, same data. False (see log()) when it does not answer in time.
  bool restart();
  void kill();    // SIGKILL: a crash, nothing saved
  void pause();   // SIGSTOP: connections are accepted by the kernel, nothing is answered
  void resume();  // SIGCONT
  bool running() const { return pid_ > 0; }

  // redis-cli -p <port> <args...>, bounded; raw output (no "(integer)" decorations).
  CommandResult cli(const std::vector<std::string>& args) const;
  // cli(args) exited cleanly and printed no ERR: for ASSERT_TRUE, with the output on failure.
  ::testing::AssertionResult cli_ok(const std::vector<std::string>& args) const;
  // The trimmed stdout of cli(args).
  std::string cli_out(const std::vector<std::string>& args) const;
  // One command over a socket of its own, answered as cli_out() would print it (array
  // members one per line, nil as ""; "ERROR: ..." when the server cannot be reached).
  // The same effect as redis-cli without starting a process for each command, which
  // costs a loaded test machine a good part of a second.
  std::string call(const std::vector<std::string>& argv) const;
  std::string log() const;

 private:
  struct Passkey {};

 public:
  RedisServer(Passkey, Options options, uint16_t port)
      : options_(std::move(options)), port_(port) {}

 private:
  static std::unique_ptr<RedisServer> start_server(const Options& options, uint16_t replica_of,
                                                   std::string& error, bool promotable);
  bool launch();  // starts redis-server on port_ and waits until it answers PING

  Options options_;
  uint16_t replica_of_ = 0;  // 0: a master
  bool promotable_ = true;
  TempDir dir_;
  uint16_t port_;
  uint16_t tls_port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace tern::test
