#pragma once
// The few socket set-ups every scenario of the load generator needs. Addresses are
// TransportAddress values; the fd owner and the sockaddr conversions are ternd's
// (base/file_descriptor.h, base/socket_address.h). Linux only, like the server it
// measures.

#include <optional>
#include <string_view>

#include "base/file_descriptor.h"
#include "protocol/transport_address.h"

namespace tern::bench {

// "1.2.3.4:3478" or "[::1]:3478" (port 0: any); nullopt for anything else (no name
// resolution: a benchmark that waits on DNS measures DNS).
std::optional<TransportAddress> parse_endpoint(std::string_view text);

// A non-blocking UDP socket connect()ed to `server`, so the kernel filters strays and
// send needs no address; bound first to `local` (port 0) when given. Invalid on failure
// (errno set).
FileDescriptor open_udp_client(const TransportAddress& server,
                               const TransportAddress* local = nullptr);
// A non-blocking UDP socket bound to `local` (port 0: any).
FileDescriptor open_udp_bound(const TransportAddress& local);
// A TCP connection to `server`, connected (blocking connect), then made non-blocking,
// with Nagle off so pipelined requests are not held back.
FileDescriptor open_tcp_client(const TransportAddress& server,
                               const TransportAddress* local = nullptr);

void set_nonblocking(int fd, bool on);
// Asks for `bytes` of socket buffer; as root past net.core.{r,w}mem_max.
void grow_buffers(int fd, int bytes);
// A random address in 127.0.0.0/8 other than 127.0.0.1 (port 0). Client sockets bound
// there neither collide with a server's relay ports in the ephemeral range (ports are
// per local address) nor hit a 5-tuple a previous run just deleted.
TransportAddress random_loopback_source();
bool is_ipv4_loopback(const TransportAddress& a);

// Raises RLIMIT_NOFILE's soft limit to at least `wanted` (or the hard limit); returns the
// soft limit in force afterwards.
long raise_fd_limit(long wanted);

}  // namespace tern::bench
