#include "server/turn/turn_context.h"

#include <algorithm>

namespace tern {

size_t reject(TurnContext& t, const TurnRequest& r, stun::ErrorCode code) {
  t.counters.error_responses.add();
  return error_response(r.out, r.message, code, r.signature());
}

Result<Allocation*, stun::ErrorCode> owned_allocation(TurnContext& t, const TurnRequest& r) {
  Allocation* a = t.table.find(r.tuple(), r.ctx.mono_ms);
  if (a && a->username() != r.auth.username) return unexpected(stun::ErrorCode::WrongCredentials);
  return a;
}

int64_t granted_lifetime(const TurnSettings& s, std::optional<uint32_t> requested) {
  const int64_t fallback = s.default_lifetime_s;
  const int64_t max = s.max_lifetime_s;
  const int64_t asked = requested ? int64_t{*requested} : fallback;
  return std::clamp<int64_t>(asked, std::min(fallback, max), max);
}

const RealmSnapshot& synced_realm(TurnContext& t, Allocation& a, int64_t now_ms) {
  const RealmSnapshot& realm = t.io.realm_now();
  a.sync_realm(realm, t.counters, now_ms);
  return realm;
}

std::optional<stun::ErrorCode> check_peer(TurnContext& t, const RealmSnapshot& realm,
                                          const Allocation& a, const TransportAddress& peer,
                                          bool ip_only) {
  if (!a.relays_family(peer.family)) return stun::ErrorCode::PeerAddressFamilyMismatch;
  const PeerVerdict v = ip_only ? realm.policy.check_ip(peer) : realm.policy.check(peer);
  if (v == PeerVerdict::Denied) {
    t.counters.peer_denied.add();
    if (t.shared.peer_log) {
      t.shared.peer_log->note({.session = a.id().to_string(),
                               .user = a.username(),
                               .client = a.tuple().client,
                               .peer = peer,
                               .rule = realm.policy.refusal_rule(peer, ip_only)},
                              steady_ms());
    }
    return stun::ErrorCode::Forbidden;
  }
  return std::nullopt;
}

void relay_to_peer(TurnContext& t, Allocation& a, const TransportAddress& peer,
                   std::span<const uint8_t> data, int64_t now_ms) {
  const RealmSnapshot& realm = synced_realm(t, a, now_ms);
  RelaySocket* relay = a.relay_for(peer.family);
  const Permission* permission = relay ? a.permission_for(peer, now_ms) : nullptr;
  // §11.2: no permission for the peer's IP, or a port of it the policy refuses: dropped.
  // The IP was judged when the permission was installed (and again if the policy changed
  // since, in synced_realm); only the port is left, a bit lookup for most peers.
  if (!permission ||
      realm.policy.check_port(peer, permission->port_sensitive) == PeerVerdict::Denied) {
    t.counters.client_dropped_no_permission.add();
    return;
  }
  if (!a.to_peer_limit.try_take(data.size(), now_ms)) {
    t.counters.bandwidth_dropped_to_peer.add();
    return;
  }
  if (!relay->send_to_peer(peer, data)) return;
  a.traffic.packets_to_peer++;
  a.traffic.bytes_to_peer += data.size();
  WorkerCounters::Relayed& relayed = t.counters.relayed[static_cast<size_t>(a.tuple().transport)];
  relayed.packets_to_peer.add();
  relayed.bytes_to_peer.add(data.size());
}

}  // namespace tern
