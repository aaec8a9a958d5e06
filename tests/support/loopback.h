#pragma once
// Loopback addresses for both IP versions. The sockaddr conversions are the server's
// (base/socket_address.h).

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

}  // namespace tern::test
