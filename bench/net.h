#pragma once
// Sockets for the load generator: an owned fd, endpoints, and the few socket set-ups
// every scenario needs. Linux only, like the server it measures.

#include <sys/socket.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "protocol/transport_address.h"

namespace tern::bench {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(std::exchange(o.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

struct Endpoint {
  sockaddr_storage storage{};
  socklen_t length = 0;

  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  int family() const { return storage.ss_family; }
};

// "1.2.3.4:3478" or "[::1]:3478"; nullopt for anything else (no name resolution: a
// benchmark that waits on DNS measures DNS).
std::optional<Endpoint> parse_endpoint(std::string_view text);
Endpoint to_endpoint(const TransportAddress& a);
TransportAddress to_transport_address(const sockaddr_storage& s);
std::string to_string(const Endpoint& e);

// A non-blocking UDP socket connect()ed to `server`, so the kernel filters strays and
// send needs no address; bound first to `local` (port 0) when given. Invalid on failure
// (errno set).
UniqueFd open_udp_client(const Endpoint& server, const Endpoint* local = nullptr);
// A non-blocking UDP socket bound to `local` (port 0: any).
UniqueFd open_udp_bound(const Endpoint& local);
// A TCP connection to `server`, connected (blocking connect), then made non-blocking,
// with Nagle off so pipelined requests are not held back.
UniqueFd open_tcp_client(const Endpoint& server, const Endpoint* local = nullptr);

void set_nonblocking(int fd, bool on);
// Asks for `bytes` of socket buffer; as root past net.core.{r,w}mem_max.
void grow_buffers(int fd, int bytes);
// A random address in 127.0.0.0/8 other than 127.0.0.1 (port 0). Client sockets bound
// there neither collide with a server's relay ports in the ephemeral range (ports are
// per local address) nor hit a 5-tuple a previous run just deleted.
Endpoint random_loopback_source();
bool is_ipv4_loopback(const Endpoint& e);

// The local address a socket got.
std::optional<Endpoint> local_endpoint(int fd);
// Raises RLIMIT_NOFILE's soft limit to at least `wanted` (or the hard limit); returns the
// soft limit in force afterwards.
long raise_fd_limit(long wanted);

}  // namespace tern::bench
