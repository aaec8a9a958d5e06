#pragma once
// What a handler knows about the packet it is answering: one struct instead of a
// parameter list that grows with every feature.

#include <cstdint>

#include "protocol/transport_address.h"

namespace tern {

enum class Transport : uint8_t { Udp, Tcp, Tls };
const char* to_string(Transport t);

struct RequestContext {
  Transport transport = Transport::Udp;
  TransportAddress client;  // the remote end of the 5-tuple
  TransportAddress local;   // our end of the 5-tuple
  int64_t now = 0;          // wall-clock seconds, read once per batch
};

}  // namespace tern
