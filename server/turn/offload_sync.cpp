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
    entry.cap = cap_of(a);
    out.push_back(entry);
  }
  return out;
}

}  // namespace

void sync_offload(TurnContext& t, Allocation& a, int64_t now_ms) {
  ChannelOffload* offload = t.shared.offload;
  if (!offload || (a.offloaded.empty() && a.channel_count() == 0)) return;
  const RealmSnapshot& realm = synced_realm(t, a, now_ms);
  std::vector<OffloadedChannel> next = wanted(a, realm, now_ms);
  const uint64_t mono_now = monotonic_ns();
  for (OffloadedChannel& entry : a.offloaded) {
    auto keep = std::ranges::find(next, entry.route, &OffloadedChannel::route);
    if (keep == next.end()) {
      count_offloaded(a, t.counters, entry, offload->remove(entry.route));
      continue;
    }
    count_offloaded(a, t.counters, entry, offload->traffic(entry.route));
    keep->counted = entry.counted;
    if (keep->deadline_ms != entry.deadline_ms || keep->cap != entry.cap) {
      offload->put(keep->route, mono_now + (keep->deadline_ms - now_ms) * 1'000'000, keep->cap,
                   false);
    }
  }
  std::vector<OffloadedChannel> kept;
  for (OffloadedChannel& entry : next) {
    const bool known =
        std::ranges::find(a.offloaded, entry.route, &OffloadedChannel::route) != a.offloaded.end();
    if (!known) {
      entry.counted = {};
      if (!offload->put(entry.route, mono_now + (entry.deadline_ms - now_ms) * 1'000'000, entry.cap,
                        true))
        continue;
    }
    kept.push_back(entry);
  }
  if (kept.empty() && !a.offloaded.empty()) offload->forget_buckets(a.offloaded.front().cap);
  a.offloaded = std::move(kept);
}

}  // namespace tern
