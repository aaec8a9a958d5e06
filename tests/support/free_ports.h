#pragma once
// Ports for a ternd under test. The kernel hands out a free port for port 0; the port is
// then checked free for UDP and TCP on every loopback address ternd will bind, because
// one --listening-port serves both.
//
// Between closing the probe sockets and ternd binding there is a window in which another
// test process could be handed the same port, and ternd binds with SO_REUSEPORT, so two
// servers would share it silently. PortLock closes that window: it is held from picking
// until the server answers, and once ternd holds the port the kernel never gives it to
// a plain bind(0) again.

#include <cstdint>
#include <optional>

#include "base/file_descriptor.h"

namespace tern::test {

class PortLock {
 public:
  // Waits (bounded) for the machine-wide lock file; on timeout returns an unlocked
  // PortLock: a rare shared port is better than a hung test.
  static PortLock acquire();
  bool locked() const { return fd_.valid(); }

 private:
  FileDescriptor fd_;
};

struct ServerPorts {
  uint16_t main = 0;  // UDP and TCP
  uint16_t tls = 0;   // TCP
};

// nullopt after many collisions in a row (a port-starved machine).
std::optional<ServerPorts> pick_server_ports(bool with_ipv6);

// A TCP port on 127.0.0.1 that the kernel offered a moment ago (0 when it offered none),
// for a listener besides ternd's own (admin API, metrics, redis-server). Nothing holds it
// afterwards: a server that fails to bind it should be started again on another.
uint16_t free_tcp_port();

}  // namespace tern::test
