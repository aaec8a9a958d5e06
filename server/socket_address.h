#pragma once
// Conversions between the codec's TransportAddress and the kernel's sockaddr.

#include <netinet/in.h>
#include <sys/socket.h>

#include <optional>
#include <string_view>

#include "protocol/transport_address.h"

namespace tern {

struct SockAddr {
  sockaddr_storage storage{};
  socklen_t length = 0;

  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
};

SockAddr to_sockaddr(const TransportAddress& a);
// nullopt for families other than AF_INET/AF_INET6.
std::optional<TransportAddress> from_sockaddr(const sockaddr* sa);
// Parses a numeric IPv4 or IPv6 address (no brackets) with the given port.
std::optional<TransportAddress> parse_ip(std::string_view text, uint16_t port = 0);

}  // namespace tern
