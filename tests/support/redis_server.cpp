#include "tests/support/redis_server.h"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "base/file_descriptor.h"
#include "base/socket_address.h"
#include "tests/support/free_ports.h"
#include "tests/support/loopback.h"

namespace tern::test {
namespace {

constexpr const char* kRedisServer = "/usr/bin/redis-server";
constexpr const char* kRedisCli = "/usr/bin/redis-cli";
constexpr auto kStartTimeout = std::chrono::seconds(10);

// A TCP connection to 127.0.0.1:port; invalid when nothing accepts there.
FileDescriptor connect_loopback(uint16_t port) {
  FileDescriptor fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const SockAddr sa = to_sockaddr(loopback(IpVersion::V4, port));
  if (fd.valid() && connect(fd.get(), sa.get(), sa.length) != 0) fd.reset();
  return fd;
}

// True once the server answers PING (or refuses it for want of AUTH: it is up either way).
bool answers_ping(uint16_t port) {
  FileDescriptor fd = connect_loopback(port);
  if (!fd.valid()) return false;
  static constexpr char kPing[] = "PING\r\n";
  if (send(fd.get(), kPing, sizeof kPing - 1, MSG_NOSIGNAL) != sizeof kPing - 1) return false;
  pollfd p{fd.get(), POLLIN, 0};
  if (poll(&p, 1, 1000) != 1) return false;
  char reply[64] = {};
  const ssize_t n = recv(fd.get(), reply, sizeof reply - 1, 0);
  if (n <= 0) return false;
  const std::string r(reply, static_cast<size_t>(n));
  return r.starts_with("+PONG") || r.starts_with("-NOAUTH");
}

// One RESP reply at `pos` as redis-cli's raw mode prints it: members one per line.
std::optional<std::string> render(const std::string& in, size_t& pos) {
  auto members = parse_resp(in, pos);
  if (!members) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < members->size(); ++i) out += (i > 0 ? "\n" : "") + (*members)[i];
  return out;
}

}  // namespace

std::optional<std::vector<std::string>> parse_resp(const std::string& in, size_t& pos) {
  const size_t eol = in.find("\r\n", pos);
  if (eol == std::string::npos) return std::nullopt;
  const char type = in[pos];
  const std::string line = in.substr(pos + 1, eol - pos - 1);
  size_t next = eol + 2;
  if (type == '+' || type == '-' || type == ':') {
    pos = next;
    return std::vector<std::string>{line};
  }
  const long long n = std::stoll(line);
  if (type == '$') {
    if (n < 0) {
      pos = next;
      return std::vector<std::string>{""};
    }
    if (in.size() < next + static_cast<size_t>(n) + 2) return std::nullopt;
    pos = next + static_cast<size_t>(n) + 2;
    return std::vector<std::string>{in.substr(next, static_cast<size_t>(n))};
  }
  std::vector<std::string> out;  // '*'
  for (long long i = 0; i < n; ++i) {
    auto member = parse_resp(in, next);
    if (!member) return std::nullopt;
    out.insert(out.end(), member->begin(), member->end());
  }
  pos = next;
  return out;
}

::testing::AssertionResult RedisServer::cli_ok(const std::vector<std::string>& args) const {
  const auto run = cli(args);
  const std::string what = "redis-cli " + (args.empty() ? std::string() : args[0]);
  if (!run.status.clean()) {
    return ::testing::AssertionFailure() << what << ": " << run.status.describe() << "\n"
                                         << run.out << run.err;
  }
  if (run.out.find("ERR") != std::string::npos) {
    return ::testing::AssertionFailure() << what << ": " << run.out;
  }
  return ::testing::AssertionSuccess();
}

std::string redis_call(uint16_t port, const std::vector<std::string>& argv,
                       const std::string& password) {
  FileDescriptor fd = connect_loopback(port);
  if (!fd.valid()) return "ERROR: cannot connect";
  std::string request;
  auto add = [&](const std::vector<std::string>& args) {
    request += "*" + std::to_string(args.size()) + "\r\n";
    for (const auto& a : args) request += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  };
  const bool auth = !password.empty();
  if (auth) add({"AUTH", password});
  add(argv);
  if (send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return "ERROR: cannot send";
  }
  std::string in;
  size_t pos = 0;
  auto next_reply = [&]() -> std::optional<std::string> {
    for (;;) {
      size_t at = pos;
      if (auto reply = render(in, at)) {
        pos = at;
        return reply;
      }
      pollfd p{fd.get(), POLLIN, 0};
      char buf[4096];
      const ssize_t n = poll(&p, 1, 5000) == 1 ? recv(fd.get(), buf, sizeof buf, 0) : -1;
      if (n <= 0) return std::nullopt;
      in.append(buf, static_cast<size_t>(n));
    }
  };
  if (auth && !next_reply()) return "ERROR: no reply";
  const auto reply = next_reply();
  return reply ? *reply : "ERROR: no reply";
}

std::string RedisServer::call(const std::vector<std::string>& argv) const {
  return redis_call(port_, argv, options_.password);
}

std::unique_ptr<RedisServer> RedisServer::start_replica(const RedisServer& master,
                                                        std::string& error, bool promotable) {
  return start_server(master.options(), master.service_port(), error, promotable);
}

std::unique_ptr<RedisServer> RedisServer::start(const Options& options, std::string& error) {
  return start_server(options, 0, error, true);
}

std::unique_ptr<RedisServer> RedisServer::start_server(const Options& options, uint16_t replica_of,
                                                       std::string& error, bool promotable) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    // Another process may take the port before redis-server binds it: then try another.
    const uint16_t port = free_tcp_port();
    if (port == 0) continue;
    auto server = std::make_unique<RedisServer>(Passkey{}, options, port);
    if (!options.tls_cert.empty()) {
      server->tls_port_ = free_tcp_port();
      if (server->tls_port_ == 0 || server->tls_port_ == port) continue;
    }
    server->replica_of_ = replica_of;
    server->promotable_ = promotable;
    if (server->launch()) return server;
    error = "redis-server on port " + std::to_string(port) + " did not start:\n" +
            tail(server->log(), 10);
  }
  return nullptr;
}

RedisServer::~RedisServer() {
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGKILL);  // also when stopped with SIGSTOP
  wait_for_exit(pid_, std::chrono::seconds(5));
}

bool RedisServer::launch() {
  std::vector<std::string> argv = {
      kRedisServer, "--port", std::to_string(port_), "--bind", "127.0.0.1", "--dir",
      dir_.path().string(), "--dbfilename", "dump.rdb", "--save", "3600",
      "1",  // so SIGTERM saves the data
      "--appendonly", "no",
      // A replica syncs at once, not after Redis' default 5 s.
      "--repl-diskless-sync-delay", "0", "--protected-mode", "no", "--daemonize", "no",
      "--notify-keyspace-events", options_.notify_keyspace_events};
  if (!options_.password.empty()) {
    argv.insert(argv.end(), {"--requirepass", options_.password});
  }
  if (tls_port_ != 0) {
    argv.insert(argv.end(),
                {"--tls-port", std::to_string(tls_port_), "--tls-cert-file", options_.tls_cert,
                 "--tls-key-file", options_.tls_key, "--tls-ca-cert-file", options_.tls_ca,
                 "--tls-auth-clients", options_.tls_auth_clients,
                 // A replica syncs over TLS, and names its TLS port to its master, so
                 // Sentinel learns that port.
                 "--tls-replication", "yes"});
  }
  if (replica_of_ != 0) {
    argv.insert(argv.end(), {"--replicaof", "127.0.0.1", std::to_string(replica_of_)});
    if (!promotable_) argv.insert(argv.end(), {"--replica-priority", "0"});
  }
  pid_ = spawn(argv, dir_ / "redis.log", dir_ / "redis.err");
  if (pid_ < 0) return false;
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (answers_ping(port_)) return true;
    if (!poll_exit(pid_).running) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(-pid_, SIGKILL);
  wait_for_exit(pid_, std::chrono::seconds(5));
  pid_ = -1;
  return false;
}

std::string RedisServer::connection_string() const {
  std::string s = "ip=127.0.0.1 port=" + std::to_string(port_);
  if (!options_.password.empty()) s += " password=" + options_.password;
  return s;
}

bool RedisServer::stop() {
  if (pid_ <= 0) return true;
  ::kill(pid_, SIGCONT);  // a paused server cannot act on SIGTERM
  ::kill(pid_, SIGTERM);
  const ExitStatus status = wait_for_exit(pid_, std::chrono::seconds(10));
  pid_ = -1;
  return status.exited;
}

bool RedisServer::restart() {
  stop();
  return launch();
}

void RedisServer::kill() {
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGKILL);
  wait_for_exit(pid_, std::chrono::seconds(5));
  pid_ = -1;
}

void RedisServer::pause() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void RedisServer::resume() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

CommandResult RedisServer::cli(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {kRedisCli, "-h", "127.0.0.1", "-p", std::to_string(port_)};
  if (!options_.password.empty()) {
    argv.insert(argv.end(), {"-a", options_.password, "--no-auth-warning"});
  }
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, dir_.path(), std::chrono::seconds(10));
}

std::string RedisServer::cli_out(const std::vector<std::string>& args) const {
  std::string out = cli(args).out;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

std::string RedisServer::log() const {
  return read_file(dir_ / "redis.log") + read_file(dir_ / "redis.err");
}

}  // namespace tern::test
