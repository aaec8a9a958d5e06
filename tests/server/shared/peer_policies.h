#pragma once
// Peer policies for the server's unit tests.

#include "base/ip_range.h"
#include "server/shared/peer_policy.h"

namespace tern::test {

// The default policy (loopback, private and special ranges denied), with `range` allowed
// on top of it when given.
inline PeerPolicy allowing(const char* range) {
  PeerPolicyConfig c;
  if (range) c.allowed.push_back(*IpRange::parse(range));
  return PeerPolicy(c);
}

}  // namespace tern::test
