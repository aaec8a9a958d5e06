#pragma once
// The 5-tuple that names an allocation (RFC 8656 §2): client address, server address and
// transport protocol.

#include <cstddef>
#include <functional>

#include "protocol/transport_address.h"
#include "server/core/request_context.h"

namespace tern {

struct FiveTuple {
  Transport transport = Transport::Udp;
  TransportAddress client;
  TransportAddress server;
  // Behind a UDP PROXY balancer: its address is part of the key, so two clients behind
  // one balancer (or one client behind two) never share an allocation.
  std::optional<TransportAddress> via = std::nullopt;

  static FiveTuple of(const RequestContext& ctx) {
    return {ctx.transport, ctx.client, ctx.local, ctx.via};
  }
  // Where relayed data for the client is sent.
  const TransportAddress& reply_address() const { return via ? *via : client; }
  friend bool operator==(const FiveTuple&, const FiveTuple&) = default;
};

struct FiveTupleHash {
  size_t operator()(const FiveTuple& t) const noexcept {
    uint64_t h = hash_address(static_cast<uint64_t>(t.transport), t.client);
    if (t.via) h = hash_address(h, *t.via);
    return static_cast<size_t>(hash_address(h, t.server));
  }
};

}  // namespace tern
