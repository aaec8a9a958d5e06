#include "tests/support/free_ports.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>
#include <vector>

#include "base/socket_address.h"
#include "base/sockets.h"
#include "tests/support/loopback.h"

namespace tern::test {
namespace {

constexpr const char* kLockPath = "/tmp/tern-integration-ports.lock";

// A socket bound to loopback:port (0: any), or an invalid fd when the port is taken.
// No SO_REUSEADDR/SO_REUSEPORT: the point is to collide with anything holding the port.
FileDescriptor bind_probe(IpVersion v, int type, uint16_t port) {
  FileDescriptor fd(socket(address_family(v), type | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return fd;
  if (v == IpVersion::V6) {
    int on = 1;
    setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
  }
  SockAddr sa = to_sockaddr(loopback(v, port));
  if (bind(fd.get(), sa.get(), sa.length) != 0) fd.reset();
  return fd;
}

uint16_t bound_port(const FileDescriptor& fd) {
  auto a = local_address(fd.get());
  return a ? a->port : 0;
}

// A port the kernel offers for `first_type` on IPv4 that is also free for every other
// (version, type) in `also`. The probes stay open until the caller has all its ports, so
// the TLS port cannot come out equal to the main one.
struct Probe {
  IpVersion version;
  int type;
};
uint16_t pick(int first_type, const std::vector<Probe>& also, std::vector<FileDescriptor>& held) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    FileDescriptor first = bind_probe(IpVersion::V4, first_type, 0);
    uint16_t port = bound_port(first);
    if (port == 0) continue;
    std::vector<FileDescriptor> probes;
    bool all_free = true;
    for (const auto& p : also) {
      probes.push_back(bind_probe(p.version, p.type, port));
      all_free = all_free && probes.back().valid();
    }
    if (!all_free) continue;
    held.push_back(std::move(first));
    for (auto& p : probes) held.push_back(std::move(p));
    return port;
  }
  return 0;
}

}  // namespace

PortLock PortLock::acquire() {
  PortLock lock;
  FileDescriptor fd(open(kLockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0666));
  if (!fd.valid()) return lock;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (std::chrono::steady_clock::now() >= deadline) return lock;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  lock.fd_ = std::move(fd);
  return lock;
}

std::optional<ServerPorts> pick_server_ports(bool with_ipv6) {
  std::vector<FileDescriptor> held;
  std::vector<Probe> main_also{{IpVersion::V4, SOCK_STREAM}};
  // ternd serves DTLS on the TLS port's UDP socket.
  std::vector<Probe> tls_also{{IpVersion::V4, SOCK_DGRAM}};
  if (with_ipv6) {
    main_also.push_back({IpVersion::V6, SOCK_DGRAM});
    main_also.push_back({IpVersion::V6, SOCK_STREAM});
    tls_also.push_back({IpVersion::V6, SOCK_STREAM});
    tls_also.push_back({IpVersion::V6, SOCK_DGRAM});
  }
  ServerPorts ports;
  ports.main = pick(SOCK_DGRAM, main_also, held);
  ports.tls = pick(SOCK_STREAM, tls_also, held);
  if (ports.main == 0 || ports.tls == 0) return std::nullopt;
  return ports;
}

uint16_t free_tcp_port() {
  return bound_port(bind_probe(IpVersion::V4, SOCK_STREAM, 0));
}

}  // namespace tern::test
