#pragma once
// Opening the kernel sockets tern listens on. Every worker binds its own socket to the
// same address with SO_REUSEPORT, so the kernel spreads clients over workers and keeps
// one 5-tuple on one worker.

#include <optional>
#include <string>

#include "base/file_descriptor.h"
#include "protocol/result.h"
#include "protocol/transport_address.h"

namespace tern {

enum class SocketKind { Udp, TcpListen };

struct SocketOptions {
  bool reuse_port = true;
  int receive_buffer = 0;  // SO_RCVBUF bytes; 0 keeps the system default
  int send_buffer = 0;
};

// A non-blocking, close-on-exec socket bound to `address` (IPv6 sockets are v6-only, so
// 0.0.0.0 and :: can both be bound). The error names the address and the reason.
Result<FileDescriptor, std::string> open_bound_socket(SocketKind kind,
                                                      const TransportAddress& address,
                                                      const SocketOptions& options = {});

// Fails when another socket already holds `address` (another ternd, or anything else):
// workers bind with SO_REUSEPORT, which would otherwise let a second server on the same
// port start silently and take part of the traffic. Ports 0 always pass.
std::optional<std::string> check_port_unused(SocketKind kind, const TransportAddress& address);

// The address a socket is bound to (with the kernel's port when bound to port 0).
Result<TransportAddress, std::string> local_address(int fd);

}  // namespace tern
