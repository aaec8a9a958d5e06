#pragma once
// The kernel fast path's part in an allocation's life (issue #16): which of its channels
// the TC program may relay, and the traffic it relayed counted back as user space counts
// its own. The program only ever relays what is in the maps, and each entry carries the
// earliest of the allocation's, the channel's and the permission's expiry, after which
// the program leaves the channel's packets to user space (which drops them). So an
// expired channel or permission stops at once; a deleted, killed or refreshed-to-0
// allocation is taken out as the table erases it (a kill and a revocation too); a policy
// or max-bps change as soon as each worker runs the task it publishes
// (TurnShared::on_realm_published), and the one-second sweep catches anything else.

#include <cstdint>

#include "server/offload/channel_offload.h"

namespace tern {

class Allocation;
struct TurnContext;

// Makes the maps hold exactly the allocation's channels that may be relayed in the
// kernel now: a UDP client not behind a PROXY balancer, a live channel with a live
// permission whose peer the policy (brought up to date first) lets through, with the
// allocation's max-bps, which the program enforces. Counts what the program relayed (and
// dropped over the cap) since the last call into the allocation's traffic and the
// worker's counters.
void sync_offload(TurnContext& t, Allocation& a, int64_t now_ms);

}  // namespace tern
