#include "tests/support/loopback.h"

#include <sys/socket.h>

#include "base/file_descriptor.h"
#include "base/socket_address.h"

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
  FileDescriptor fd(socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return false;
  const SockAddr sa = to_sockaddr(loopback(IpVersion::V6, 0));
  return bind(fd.get(), sa.get(), sa.length) == 0;
}

}  // namespace tern::test
