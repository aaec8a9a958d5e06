#pragma once
// The machine's own addresses, for listening on each one by default: a socket bound to
// one address answers from that address, which a wildcard socket on a multi-homed host
// does not.

#include <vector>

#include "protocol/transport_address.h"

namespace tern {

// Addresses of interfaces that are up, IPv4 and IPv6 (link-local IPv6 left out: it needs
// a scope id that a TURN client cannot use).
std::vector<TransportAddress> local_interface_addresses();

}  // namespace tern
