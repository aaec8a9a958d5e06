#include "tests/support/loopback.h"

#include <netinet/in.h>
#include <unistd.h>

#include <cstring>

namespace tern::test {

std::string to_string(IpVersion v) {
  return v == IpVersion::V4 ? "IPv4" : "IPv6";
}

std::ostream& operator<<(std::ostream& os, IpVersion v) {
  return os << to_string(v);
}

int address_family(IpVersion v) {
  return v == IpVersion::V4 ? AF_INET : AF_INET6;
}

TransportAddress loopback(IpVersion v, uint16_t port) {
  if (v == IpVersion::V4) return TransportAddress::v4({127, 0, 0, 1}, port);
  std::array<uint8_t, 16> ip{};
  ip[15] = 1;
  return TransportAddress::v6(ip, port);
}

bool ipv6_loopback_available() {
  int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  SockAddr sa = to_sockaddr(loopback(IpVersion::V6, 0));
  bool ok = bind(fd, sa.get(), sa.length) == 0;
  close(fd);
  return ok;
}

SockAddr to_sockaddr(const TransportAddress& a) {
  SockAddr out;
  if (a.family == Family::V4) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&out.storage);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(a.port);
    std::memcpy(&sin->sin_addr, a.ip.data(), 4);
    out.length = sizeof(sockaddr_in);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(a.port);
    std::memcpy(&sin6->sin6_addr, a.ip.data(), 16);
    out.length = sizeof(sockaddr_in6);
  }
  return out;
}

std::optional<TransportAddress> from_sockaddr(const sockaddr* sa, socklen_t length) {
  if (sa->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(sa);
    std::array<uint8_t, 4> ip;
    std::memcpy(ip.data(), &sin->sin_addr, 4);
    return TransportAddress::v4(ip, ntohs(sin->sin_port));
  }
  if (sa->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(sa);
    std::array<uint8_t, 16> ip;
    std::memcpy(ip.data(), &sin6->sin6_addr, 16);
    return TransportAddress::v6(ip, ntohs(sin6->sin6_port));
  }
  return std::nullopt;
}

}  // namespace tern::test
