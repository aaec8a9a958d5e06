#pragma once
// What credential tests ask of a running ternd again and again: does a fresh client with
// these credentials get an allocation (now, or within a bound while a store change
// propagates), and does an existing allocation still relay both ways.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string_view>

#include "protocol/transport_address.h"
#include "tests/support/turn_client.h"
#include "tests/support/turn_fixture.h"
#include "tests/support/udp_peer.h"

namespace tern::test {

// One Allocate over UDP from a fresh client (a new 5-tuple each time). A success is
// released at once (Refresh LIFETIME 0), so probing leaves no allocations behind.
TurnResult allocate_once(const TransportAddress& server, const TurnCredentials& credentials);

struct Polled {
  TurnResult last;  // the last outcome seen
  bool reached = false;
  std::chrono::milliseconds elapsed{0};
};

// allocate_once until `wanted(outcome)` or `timeout`, a probe every 100 ms.
Polled poll_allocate(const TransportAddress& server, const TurnCredentials& credentials,
                     const std::function<bool(const TurnResult&)>& wanted,
                     std::chrono::milliseconds timeout);

inline bool is_success(const TurnResult& r) {
  return r && r->is_success();
}
inline bool is_401(const TurnResult& r) {
  return r && !r->is_success() && r->code() == 401;
}

// `client` (allocated, with a permission for `peer`) sends `text` in a Send indication;
// the peer must get it from the relayed address and answer, and the answer must come back
// as relayed data.
::testing::AssertionResult RelaysBothWays(TurnClient& client, UdpPeer& peer, std::string_view text);

}  // namespace tern::test
