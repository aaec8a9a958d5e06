#include "tests/support/haproxy.h"

#include <signal.h>
#include <sys/socket.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "base/file_descriptor.h"
#include "base/socket_address.h"
#include "tests/support/free_ports.h"
#include "tests/support/loopback.h"
#include "tests/support/process.h"

namespace tern::test {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(10);

bool accepts(const TransportAddress& address) {
  FileDescriptor fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const SockAddr sa = to_sockaddr(address);
  return fd.valid() && ::connect(fd.get(), sa.get(), sa.length) == 0;
}

// The backend as haproxy writes it: [::1]:port is "ipv6@::1:port".
std::string backend_text(const TransportAddress& a) {
  if (a.family == Family::V4) return a.to_string();
  return "ipv6@" + a.ip_string() + ":" + std::to_string(a.port);
}

}  // namespace

std::unique_ptr<Haproxy> Haproxy::start(const TransportAddress& backend,
                                        const std::string& send_proxy, std::string& error) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    // Another process may take the port before haproxy binds it: then try another.
    const uint16_t port = free_tcp_port();
    if (port == 0) continue;
    auto proxy = std::make_unique<Haproxy>(Passkey{}, port);
    if (proxy->launch(backend, send_proxy)) return proxy;
    error = "haproxy on port " + std::to_string(port) + " did not start:\n" + proxy->log();
  }
  return nullptr;
}

Haproxy::~Haproxy() {
  if (pid_ <= 0) return;
  kill(-pid_, SIGKILL);
  wait_for_exit(pid_, std::chrono::seconds(5));
}

TransportAddress Haproxy::address() const {
  return loopback(IpVersion::V4, port_);
}

std::string Haproxy::log() const {
  return read_file(dir_ / "haproxy.err");
}

bool Haproxy::launch(const TransportAddress& backend, const std::string& send_proxy) {
  const auto config = dir_ / "haproxy.cfg";
  std::ofstream(config) << "global\n"
                        << "  maxconn 256\n"
                        << "defaults\n"
                        << "  mode tcp\n"
                        << "  timeout connect 5s\n"
                        << "  timeout client 60s\n"
                        << "  timeout server 60s\n"
                        << "frontend clients\n"
                        << "  bind 127.0.0.1:" << port_ << "\n"
                        << "  default_backend ternd\n"
                        << "backend ternd\n"
                        << "  server ternd " << backend_text(backend) << " " << send_proxy << "\n";
  // -db: foreground, no daemon, so the process group is haproxy's own.
  pid_ =
      spawn({kHaproxy, "-db", "-f", config.string()}, dir_ / "haproxy.out", dir_ / "haproxy.err");
  if (pid_ < 0) return false;
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (accepts(address())) return true;
    if (!poll_exit(pid_).running) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(-pid_, SIGKILL);
  wait_for_exit(pid_, std::chrono::seconds(5));
  pid_ = -1;
  return false;
}

}  // namespace tern::test
