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
  Rfc5780Grid grid;                       // the kind, and the four addresses by slot
  std::array<int, 4> fd{-1, -1, -1, -1};  // UDP sockets (UDP and DTLS grids); streams: none
};

// Which of the four a request came in on; no sockets: RFC 5780 is off for it (off in the
// config, a listener outside the grids, or a client through a PROXY protocol balancer).
struct Rfc5780Link {
  const Rfc5780Sockets* sockets = nullptr;
  uint8_t slot = 0;
};

}  // namespace tern
