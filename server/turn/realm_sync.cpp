#include "server/turn/realm_sync.h"

namespace tern {

void resync_realm(Allocation& a, const RealmSnapshot& realm, WorkerCounters& counters,
                  int64_t now_ms) {
  const size_t revoked = a.retain_permissions([&](Permission& p) {
    if (realm.policy.check_ip(p.ip) == PeerVerdict::Denied) return false;
    p.port_sensitive = realm.policy.port_sensitive(p.ip);
    return true;
  });
  counters.permissions_revoked.add(revoked);
  a.to_peer_limit.set_rate(realm.max_bps, now_ms);
  a.to_client_limit.set_rate(realm.max_bps, now_ms);
  a.set_realm_generation(realm.generation);
}

}  // namespace tern
