#pragma once
// Loopback addresses for both IP versions, and the sockaddr conversions the test
// sockets need (server/socket_address.h belongs to the server; tests link only protocol/).

#include <sys/socket.h>

#include <optional>
#include <ostream>
#include <string>

#include "protocol/transport_address.h"

namespace tern::test {

enum class IpVersion { V4, V6 };

std::string to_string(IpVersion v);
// For gtest's parameter names and failure messages.
std::ostream& operator<<(std::ostream& os, IpVersion v);
int address_family(IpVersion v);
// 127.0.0.1 or ::1.
TransportAddress loopback(IpVersion v, uint16_t port);
// Whether ::1 can be bound here (containers without IPv6 exist): IPv6 tests skip if not.
bool ipv6_loopback_available();

struct SockAddr {
  sockaddr_storage storage{};
  socklen_t length = 0;
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
};
SockAddr to_sockaddr(const TransportAddress& a);
std::optional<TransportAddress> from_sockaddr(const sockaddr* sa, socklen_t length);

}  // namespace tern::test
