#pragma once
// An allocation judged again under a newer realm snapshot (server/realm_state.h). Each
// allocation records the generation it was last judged under, so a changed policy costs
// one integer compare per packet, and one re-judging of the allocation's permissions on
// its first packet after the change: traffic to and from a peer that a store newly denies
// stops within the reload cadence.

#include <cstdint>

#include "server/core/counters.h"
#include "server/shared/realm_state.h"
#include "server/turn/allocation.h"

namespace tern {

// The slow path of sync_realm.
void resync_realm(Allocation& a, const RealmSnapshot& realm, WorkerCounters& counters,
                  int64_t now_ms);

// Brings `a` up to `realm` when it was judged under an older generation: drops the
// permissions whose IP the policy now denies (counted as permissions_revoked), re-decides
// which are port-sensitive, and takes the realm's max-bps for both directions.
inline void sync_realm(Allocation& a, const RealmSnapshot& realm, WorkerCounters& counters,
                       int64_t now_ms) {
  if (a.realm_generation() != realm.generation) resync_realm(a, realm, counters, now_ms);
}

}  // namespace tern
