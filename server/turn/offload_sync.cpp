#include "server/turn/offload_sync.h"

#include <algorithm>

#include "server/turn/allocation.h"
#include "server/turn/offload_traffic.h"
#include "server/turn/turn_context.h"

namespace tern {

namespace {

static_assert(TokenBucket::kMinBurst == kOffloadMinBurst &&
                  TokenBucket::kMaxRate == kOffloadMaxRate,
              "the program's buckets are TokenBucket's");

bool offloadable(const Allocation& a) {
  const FiveTuple& tuple = a.tuple();
  return tuple.transport == Transport::Udp && !tuple.via && !is_unspecified(tuple.server);
}

// max-bps as the allocation's buckets have it now (the realm synced first).
OffloadCap cap_of(const Allocation& a) {
  return {.to_peer = a.to_peer_limit.rate(),
          .to_client = a.to_client_limit.rate(),
          .worker = a.id().worker,
          .allocation = a.id().sequence};
}

// The entries the allocation should have now, with their deadlines.
std::vector<OffloadedChannel> wanted(const Allocation& a, const RealmSnapshot& realm,
                                     int64_t now_ms) {
  std::vector<OffloadedChannel> out;
  if (!offloadable(a)) return out;
  for (const ChannelBinding& ch : a.channels()) {
    // The peer of either family: the program changes the IP header where the client's
    // differs (RFC 8656 §3.3, a dual-stack allocation).
    if (ch.expires_ms <= now_ms) continue;
    // Loopback traffic stays in user space: the way out the program takes (the
    // neighbour's interface) is for traffic that crosses a link.
    if (is_loopback(ch.peer) || is_loopback(a.tuple().client)) continue;
    const Permission* permission = a.permission_for(ch.peer, now_ms);
    const RelaySocket* relay = a.relay_for(ch.peer.family);
    if (!permission || !relay || is_unspecified(relay->address())) continue;
    if (realm.policy.check_port(ch.peer, permission->port_sensitive) == PeerVerdict::Denied)
      continue;
    OffloadedChannel entry;
    entry.route = {a.tuple().client, a.tuple().server, relay->address(), ch.peer, ch.number};
    entry.deadline_ms = std::min({a.expires_ms(), ch.expires_ms, permission->expires_ms});
    out.push_back(entry);
  }
  return out;
}

}  // namespace

// Routes that change (ChannelOffload::route_generation, bumped by the main loop for every
// route, rule or link change): an entry put in at an older generation is asked about
// again (relink) at the allocation's next sync, once however many changes came in
// between, and not at all while nothing changed. So a route that flaps costs each worker,
// at each sweep while it flaps however fast, two RTM_GETROUTE (about 13 µs together) per
// channel it has in the maps, whichever route flapped: 10,000 channels, about an eighth of
// the worker's second.
// A channel whose client or peer has no route any more goes out of the maps (user space
// relays it, or drops what it cannot route) and is tried again as a fresh one at each
// sync, as one bound while there was no route.
void sync_offload(TurnContext& t, Allocation& a, int64_t now_ms) {
  ChannelOffload* offload = t.shared.offload;
  if (!offload || (a.offloaded.empty() && a.channel_count() == 0)) return;
  const RealmSnapshot& realm = synced_realm(t, a, now_ms);
  std::vector<OffloadedChannel> next = wanted(a, realm, now_ms);
  const OffloadCap cap = cap_of(a);
  // Before any question to the kernel: a change while this runs is asked about next time.
  const uint64_t routes = offload->route_generation();
  const uint64_t mono_now = monotonic_ns();
  const auto deadline_ns = [&](const OffloadedChannel& entry) {
    return mono_now + (entry.deadline_ms - now_ms) * 1'000'000;
  };
  // The buckets before the routes that pay from them: made once, as the allocation's first
  // channel goes in, and again when its cap changes (a direction may have one now).
  const bool in_maps = !a.offloaded.empty();
  const bool cap_changed = in_maps && cap != a.offload_cap;
  bool buckets = in_maps && !cap_changed;
  if (!buckets && !next.empty()) buckets = offload->make_buckets(cap);

  std::vector<OffloadedChannel> kept;
  for (OffloadedChannel& entry : a.offloaded) {
    auto want = std::ranges::find(next, entry.route, &OffloadedChannel::route);
    if (want == next.end() || (entry.routes != routes && !offload->relink(entry.route))) {
      count_offloaded(a, t.counters, entry, offload->remove(entry.route));
      if (want != next.end()) next.erase(want);  // no route: not put back in this time
      continue;
    }
    count_offloaded(a, t.counters, entry, offload->traffic(entry.route));
    if (want->deadline_ms != entry.deadline_ms || cap_changed)
      offload->put(want->route, deadline_ns(*want), cap, false);
    entry.deadline_ms = want->deadline_ms;
    entry.routes = routes;
    kept.push_back(entry);
    next.erase(want);
  }
  // What is left is new to the maps; without its buckets (their map full) it stays in
  // user space, which keeps the cap.
  for (OffloadedChannel& entry : next) {
    if (!buckets) break;
    entry.routes = routes;
    if (offload->put(entry.route, deadline_ns(entry), cap, true)) kept.push_back(entry);
  }
  if (kept.empty() && (in_maps || !next.empty())) offload->forget_buckets(cap);
  a.offload_cap = cap;
  a.offloaded = std::move(kept);
}

}  // namespace tern
