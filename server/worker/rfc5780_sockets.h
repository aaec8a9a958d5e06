#pragma once
// RFC 5780 NAT behaviour discovery: a worker's four UDP sockets of one family (primary and
// alternate IP, each on the listening port and the alternate port), so that a Binding
// answer can leave from the one CHANGE-REQUEST asks for.

#include <array>
#include <cstdint>

#include "protocol/transport_address.h"

namespace tern {

struct Rfc5780Sockets {
  // Slot bits, as in the listen plan's Rfc5780Grid.
  static constexpr uint8_t kOtherIp = 2;
  static constexpr uint8_t kOtherPort = 1;
  std::array<int, 4> fd{-1, -1, -1, -1};
  std::array<TransportAddress, 4> address{};
};

// Which of the four a request came in on; no sockets: RFC 5780 is off for it (off in the
// config, a stream, or UDP through a PROXY protocol balancer).
struct Rfc5780Link {
  const Rfc5780Sockets* sockets = nullptr;
  uint8_t slot = 0;
};

}  // namespace tern
