#include "tests/support/redis_sentinels.h"

#include <fmt/format.h>
#include <signal.h>

#include <thread>

#include "tests/support/free_ports.h"
#include "tests/support/process.h"

namespace tern::test {
namespace {

constexpr const char* kRedisSentinel = "/usr/bin/redis-sentinel";
constexpr auto kJoinTimeout = std::chrono::seconds(20);
constexpr auto kStep = std::chrono::milliseconds(50);

// A failover within a few seconds: down after 1 s, a retry after a failed failover in 2 s.
// `tls_port` non-zero: TLS there too, and to the servers and the other sentinels.
std::string sentinel_conf(uint16_t port, uint16_t master_port, const std::string& dir,
                          uint16_t tls_port, const RedisServer::Options& options) {
  std::string conf = fmt::format(
      "port {0}\nbind 127.0.0.1\nprotected-mode no\ndaemonize no\ndir {1}\n"
      "sentinel monitor {2} 127.0.0.1 {3} 2\n"
      "sentinel down-after-milliseconds {2} 1000\n"
      "sentinel failover-timeout {2} 2000\n"
      "sentinel parallel-syncs {2} 1\n",
      port, dir, RedisSentinels::kMaster, master_port);
  if (tls_port != 0) {
    conf += fmt::format(
        "tls-port {}\ntls-cert-file {}\ntls-key-file {}\ntls-ca-cert-file {}\n"
        "tls-auth-clients {}\ntls-replication yes\n",
        tls_port, options.tls_cert, options.tls_key, options.tls_ca, options.tls_auth_clients);
  }
  return conf;
}

// The value after `key` in a flattened reply of key/value pairs ("" when absent).
std::string field(const std::string& reply, const std::string& key) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= reply.size()) {
    const size_t end = std::min(reply.find('\n', start), reply.size());
    lines.push_back(reply.substr(start, end - start));
    start = end + 1;
  }
  for (size_t i = 0; i + 1 < lines.size(); i += 2) {
    if (lines[i] == key) return lines[i + 1];
  }
  return "";
}

uint16_t named_master_port(uint16_t sentinel) {
  const std::string reply =
      redis_call(sentinel, {"SENTINEL", "get-master-addr-by-name", RedisSentinels::kMaster});
  const size_t nl = reply.find('\n');
  if (reply.starts_with("ERROR") || nl == std::string::npos) return 0;
  try {
    return static_cast<uint16_t>(std::stoi(reply.substr(nl + 1)));
  } catch (...) {
    return 0;
  }
}

}  // namespace

std::unique_ptr<RedisSentinels> RedisSentinels::start(std::string& error, bool failover_ready,
                                                      bool promotable,
                                                      const RedisServer::Options& options) {
  auto set = std::make_unique<RedisSentinels>(Passkey{});
  set->options_ = options;
  auto master = RedisServer::start(options, error);
  if (!master) return nullptr;
  auto replica = RedisServer::start_replica(*master, error, promotable);
  if (!replica) return nullptr;
  set->servers_.push_back(std::move(master));
  set->servers_.push_back(std::move(replica));
  // The sentinels learn of the replica from the master's INFO, which they ask for at once
  // and then only every 10 s: start them once the replica is in.
  const auto deadline = std::chrono::steady_clock::now() + kJoinTimeout;
  while (set->second().call({"INFO", "replication"}).find("master_link_status:up") ==
         std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline) {
      error = "the replica did not sync:\n" + tail(set->second().log(), 10);
      return nullptr;
    }
    std::this_thread::sleep_for(kStep);
  }
  for (int i = 0; i < 3; ++i) {
    if (!set->start_sentinel(error)) return nullptr;
  }
  if (failover_ready && !set->wait_until_joined(error)) return nullptr;
  return set;
}

RedisSentinels::~RedisSentinels() {
  for (pid_t pid : sentinel_pids_) {
    ::kill(-pid, SIGKILL);
    wait_for_exit(pid, std::chrono::seconds(5));
  }
}

bool RedisSentinels::start_sentinel(std::string& error) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    const uint16_t port = free_tcp_port();
    const uint16_t tls_port = tls() ? free_tcp_port() : 0;
    if (port == 0 || (tls() && (tls_port == 0 || tls_port == port))) continue;
    const std::string name = "sentinel-" + std::to_string(port);
    const auto conf = dir_ / (name + ".conf");
    // Sentinel rewrites its config file (what it learns), so each has one of its own.
    if (!write_file(conf, sentinel_conf(port, first().service_port(), dir_.path().string(),
                                        tls_port, options_))) {
      error = "cannot write " + conf.string();
      return false;
    }
    const pid_t pid =
        spawn({kRedisSentinel, conf.string()}, dir_ / (name + ".log"), dir_ / (name + ".err"));
    if (pid < 0) {
      error = "cannot start redis-sentinel";
      return false;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline && poll_exit(pid).running) {
      if (redis_call(port, {"PING"}) == "PONG") {
        sentinel_pids_.push_back(pid);
        sentinel_ports_.push_back(port);
        sentinel_tls_ports_.push_back(tls_port);
        return true;
      }
      std::this_thread::sleep_for(kStep);
    }
    ::kill(-pid, SIGKILL);
    wait_for_exit(pid, std::chrono::seconds(5));
    error = "redis-sentinel on port " + std::to_string(port) + " did not start:\n" +
            tail(read_file(dir_ / (name + ".log")) + read_file(dir_ / (name + ".err")), 10);
  }
  return false;
}

// Every sentinel knows the replica and the two other sentinels (hello messages go out
// every 2 s): only then can they agree on a failover.
bool RedisSentinels::wait_until_joined(std::string& error) const {
  const auto deadline = std::chrono::steady_clock::now() + kJoinTimeout;
  for (;;) {
    bool joined = true;
    for (uint16_t port : sentinel_ports_) {
      const std::string state = redis_call(port, {"SENTINEL", "master", kMaster});
      joined =
          joined && field(state, "num-slaves") == "1" && field(state, "num-other-sentinels") == "2";
    }
    if (joined) return true;
    if (std::chrono::steady_clock::now() > deadline) {
      error = "the sentinels did not come together:\n" + tail(log(), 20);
      return false;
    }
    std::this_thread::sleep_for(kStep);
  }
}

std::string RedisSentinels::connection_string() const {
  std::string list;
  for (uint16_t port : tls() ? sentinel_tls_ports_ : sentinel_ports_) {
    list += (list.empty() ? "" : ",") + std::string("127.0.0.1:") + std::to_string(port);
  }
  std::string out = "sentinel=" + list + " master=" + kMaster;
  if (tls()) out += " tls=1 sni=localhost ca=" + options_.tls_ca;
  return out;
}

// The sentinels name a server by the port they reach it on: its TLS one with TLS.
RedisServer* RedisSentinels::server_on(uint16_t port) const {
  for (const auto& server : servers_) {
    if (server->service_port() == port) return server.get();
  }
  return nullptr;
}

RedisServer* RedisSentinels::master() const {
  for (uint16_t sentinel : sentinel_ports_) {
    if (const uint16_t port = named_master_port(sentinel)) return server_on(port);
  }
  return nullptr;
}

RedisServer* RedisSentinels::wait_for_failover(const RedisServer& old,
                                               std::chrono::milliseconds limit) const {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    uint16_t agreed = 0;
    bool all = true;
    for (uint16_t sentinel : sentinel_ports_) {
      const uint16_t port = named_master_port(sentinel);
      all = all && port != 0 && port != old.service_port() && (agreed == 0 || port == agreed);
      agreed = port;
    }
    RedisServer* now = all ? server_on(agreed) : nullptr;
    if (now != nullptr && now->call({"ROLE"}).starts_with("master")) return now;
    std::this_thread::sleep_for(kStep);
  }
  return nullptr;
}

std::string RedisSentinels::log() const {
  std::string out;
  for (uint16_t port : sentinel_ports_) {
    const std::string name = "sentinel-" + std::to_string(port);
    out += "--- " + name + "\n" + read_file(dir_ / (name + ".log"));
  }
  return out;
}

}  // namespace tern::test
