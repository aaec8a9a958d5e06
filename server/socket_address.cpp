#include "server/socket_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace tern {

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

std::optional<TransportAddress> from_sockaddr(const sockaddr* sa) {
  TransportAddress t;
  if (sa->sa_family == AF_INET) {
    sockaddr_in sin;
    std::memcpy(&sin, sa, sizeof sin);
    t.family = Family::V4;
    std::memcpy(t.ip.data(), &sin.sin_addr, 4);
    t.port = ntohs(sin.sin_port);
    return t;
  }
  if (sa->sa_family == AF_INET6) {
    sockaddr_in6 sin6;
    std::memcpy(&sin6, sa, sizeof sin6);
    t.family = Family::V6;
    std::memcpy(t.ip.data(), &sin6.sin6_addr, 16);
    t.port = ntohs(sin6.sin6_port);
    return t;
  }
  return std::nullopt;
}

std::optional<TransportAddress> parse_ip(std::string_view text, uint16_t port) {
  std::string s(text);
  TransportAddress t;
  t.port = port;
  if (inet_pton(AF_INET, s.c_str(), t.ip.data()) == 1) {
    t.family = Family::V4;
    return t;
  }
  if (inet_pton(AF_INET6, s.c_str(), t.ip.data()) == 1) {
    t.family = Family::V6;
    return t;
  }
  return std::nullopt;
}

}  // namespace tern
