#pragma once
// The 5-tuple that names an allocation (RFC 8656 §2): client address, server address and
// transport protocol.

#include <cstddef>
#include <functional>

#include "protocol/transport_address.h"
#include "server/request_context.h"

namespace tern {

struct FiveTuple {
  Transport transport = Transport::Udp;
  TransportAddress client;
  TransportAddress server;

  static FiveTuple of(const RequestContext& ctx) { return {ctx.transport, ctx.client, ctx.local}; }
  friend bool operator==(const FiveTuple&, const FiveTuple&) = default;
};

struct FiveTupleHash {
  size_t operator()(const FiveTuple& t) const noexcept {
    // FNV-1a: cheap, and enough here because only authenticated clients insert entries.
    uint64_t h = 1469598103934665603ull;
    auto mix = [&h](const uint8_t* p, size_t n) {
      for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
    };
    mix(t.client.ip.data(), t.client.ip_size());
    mix(reinterpret_cast<const uint8_t*>(&t.client.port), sizeof t.client.port);
    mix(t.server.ip.data(), t.server.ip_size());
    mix(reinterpret_cast<const uint8_t*>(&t.server.port), sizeof t.server.port);
    h ^= static_cast<uint8_t>(t.transport);
    return static_cast<size_t>(h);
  }
};

}  // namespace tern
