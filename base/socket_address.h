#pragma once
// Conversions between the codec's TransportAddress and the kernel's sockaddr. Shared by
// ternd, the test support library and tern-bench, so there is one copy of the layout
// knowledge.

#include <netinet/in.h>
#include <sys/socket.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/transport_address.h"

namespace tern {

struct SockAddr {
  sockaddr_storage storage{};
  socklen_t length = 0;

  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
  int family() const { return storage.ss_family; }
};

// socket(2)'s domain for the address: AF_INET or AF_INET6.
inline int socket_domain(const TransportAddress& a) {
  return a.family == Family::V4 ? AF_INET : AF_INET6;
}
SockAddr to_sockaddr(const TransportAddress& a);
// nullopt for families other than AF_INET/AF_INET6, and when `length` (what the kernel
// filled in: recvfrom, recvmmsg, getsockname) is too short for the family's address.
std::optional<TransportAddress> from_sockaddr(const sockaddr* sa, socklen_t length);
// For a sockaddr the kernel sized to its family (getifaddrs).
std::optional<TransportAddress> from_sockaddr(const sockaddr* sa);
inline std::optional<TransportAddress> from_sockaddr(const SockAddr& sa) {
  return from_sockaddr(sa.get(), sa.length);
}
// Parses a numeric IPv4 or IPv6 address (no brackets) with the given port.
std::optional<TransportAddress> parse_ip(std::string_view text, uint16_t port = 0);
// "IP:port" or "[IPv6]:port" (listen addresses in options); nullopt otherwise, also for a
// unix socket path.
std::optional<TransportAddress> parse_ip_port(std::string_view text);
// Every one of `texts` that parse_ip_port reads (for lists a config has checked already).
std::vector<TransportAddress> parse_ip_ports(const std::vector<std::string>& texts);

}  // namespace tern
