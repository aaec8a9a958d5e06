#include "server/turn_context.h"

#include <algorithm>

namespace tern {

size_t reject(TurnContext& t, const TurnRequest& r, stun::ErrorCode code) {
  t.counters.error_responses.add();
  return error_response(r.out, r.message, code, t.policy, r.signature());
}

int64_t granted_lifetime(const TurnSettings& s, std::optional<uint32_t> requested) {
  const int64_t asked = requested ? int64_t{*requested} : s.default_lifetime_s;
  return std::clamp<int64_t>(asked, std::min(s.default_lifetime_s, s.max_lifetime_s),
                             s.max_lifetime_s);
}

std::optional<stun::ErrorCode> check_peer(TurnContext& t, const Allocation& a,
                                          const TransportAddress& peer, bool ip_only) {
  if (!a.relay_for(peer.family)) return stun::ErrorCode::PeerAddressFamilyMismatch;
  const PeerVerdict v = ip_only ? t.shared.policy.check_ip(peer) : t.shared.policy.check(peer);
  if (v == PeerVerdict::Denied) {
    t.counters.peer_denied.add();
    return stun::ErrorCode::Forbidden;
  }
  return std::nullopt;
}

}  // namespace tern
