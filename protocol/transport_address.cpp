#include "protocol/transport_address.h"

#include <arpa/inet.h>

#include <algorithm>

namespace tern {

TransportAddress TransportAddress::v4(std::array<uint8_t, 4> a, uint16_t port) {
  TransportAddress t;
  t.family = Family::V4;
  std::ranges::copy(a, t.ip.begin());
  t.port = port;
  return t;
}

TransportAddress TransportAddress::v6(std::array<uint8_t, 16> a, uint16_t port) {
  return TransportAddress{Family::V6, a, port};
}

std::string TransportAddress::ip_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family == Family::V4 ? AF_INET : AF_INET6, ip.data(), buf, sizeof buf);
  return buf;
}

std::string TransportAddress::to_string() const {
  if (family == Family::V4) return ip_string() + ":" + std::to_string(port);
  return "[" + ip_string() + "]:" + std::to_string(port);
}

}  // namespace tern
