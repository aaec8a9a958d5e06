#pragma once
// RFC 5780 NAT behaviour discovery: a worker's four listeners of one family and kind
// (primary and alternate IP, each on a listening port and its alternate). Over UDP they
// are sockets, so that a Binding answer can leave from the one CHANGE-REQUEST asks for;
// over TCP, TLS and DTLS an answer leaves on its own connection or association, and only
// the addresses are needed (RESPONSE-ORIGIN, OTHER-ADDRESS).

#include <array>
#include <cstdint>

#include "protocol/transport_address.h"
#include "server/config/listen_plan.h"

namespace tern {

struct Rfc5780Sockets {
  // Slot bits, as in the listen plan's Rfc5780Grid.
  static constexpr uint8_t kOtherIp = 2;
  static constexpr uint8_t kOtherPort = 1;
  Rfc5780Grid::Kind kind = Rfc5780Grid::Kind::Udp;
  std::array<int, 4> fd{-1, -1, -1, -1};  // UDP sockets (UDP and DTLS grids); streams: none
  std::array<TransportAddress, 4> address{};
};

// Which of the four a request came in on; no sockets: RFC 5780 is off for it (off in the
// config, a listener outside the grids, or a client through a PROXY protocol balancer).
struct Rfc5780Link {
  const Rfc5780Sockets* sockets = nullptr;
  uint8_t slot = 0;
};

}  // namespace tern
