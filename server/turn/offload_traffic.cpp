#include "server/turn/offload_traffic.h"

#include "server/turn/allocation.h"

namespace tern {

void count_offloaded(Allocation& a, WorkerCounters& counters, OffloadedChannel& entry,
                     const OffloadTraffic& now) {
  const OffloadTraffic& was = entry.counted;
  const TrafficCounters added{.packets_to_peer = now.packets_to_peer - was.packets_to_peer,
                              .bytes_to_peer = now.bytes_to_peer - was.bytes_to_peer,
                              .packets_to_client = now.packets_to_client - was.packets_to_client,
                              .bytes_to_client = now.bytes_to_client - was.bytes_to_client};
  a.traffic += added;
  WorkerCounters::Relayed& relayed = counters.relayed[static_cast<size_t>(Transport::Udp)];
  relayed.packets_to_peer.add(added.packets_to_peer);
  relayed.bytes_to_peer.add(added.bytes_to_peer);
  relayed.packets_to_client.add(added.packets_to_client);
  relayed.bytes_to_client.add(added.bytes_to_client);
  counters.offloaded_packets.add(added.packets_to_peer + added.packets_to_client);
  // Dropped over max-bps, as user space counts its own drops.
  counters.bandwidth_dropped_to_peer.add(now.over_cap_to_peer - was.over_cap_to_peer);
  counters.bandwidth_dropped_to_client.add(now.over_cap_to_client - was.over_cap_to_client);
  entry.counted = now;
}

void end_offload(ChannelOffload& offload, Allocation& a, WorkerCounters& counters) {
  for (OffloadedChannel& entry : a.offloaded)
    count_offloaded(a, counters, entry, offload.remove(entry.route));
  if (!a.offloaded.empty()) offload.forget_buckets(a.offload_cap);
  a.offloaded.clear();
}

}  // namespace tern
