#pragma once
// What a handler knows about the packet it is answering: one struct instead of a
// parameter list that grows with every feature.

#include <cstdint>
#include <iosfwd>
#include <optional>

#include "protocol/transport_address.h"
#include "server/core/client_link.h"

namespace tern {

// Dtls: DTLS 1.2 over UDP on the TLS port, one association per client (dtls_endpoint.h).
enum class Transport : uint8_t { Udp, Tcp, Tls, Dtls };
const char* to_string(Transport t);
// For test frameworks and diagnostics that print through streams.
std::ostream& operator<<(std::ostream& os, Transport t);

struct RequestContext {
  Transport transport = Transport::Udp;
  TransportAddress client;  // the remote end of the 5-tuple
  TransportAddress local;   // our end of the 5-tuple
  // UDP through a PROXY protocol balancer (--udp-proxy-trusted): the balancer's address,
  // where answers and relayed data go; `client` is the one its header named.
  std::optional<TransportAddress> via;
  int64_t now = 0;      // wall-clock seconds (credentials, nonces), read once per batch
  int64_t mono_ms = 0;  // steady clock in ms (lifetimes), read once per batch
  // The same reading in µs: when the batch arrived, for tern_allocate_latency_seconds.
  // 0 where no listener read it (tests): the latency then starts at the dispatcher.
  int64_t received_us = 0;
  // How to reach the client later, when relayed data arrives for it.
  ClientLink link;
};

int64_t steady_ms();
int64_t steady_us();

}  // namespace tern
