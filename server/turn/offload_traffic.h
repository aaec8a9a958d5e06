#pragma once
// The kernel's relayed traffic counted as user space counts its own: into the
// allocation's traffic (sessions, the statsdb, the end-of-allocation line) and the
// worker's relayed counters (metrics), plus offloaded_packets.

#include "server/offload/channel_offload.h"

namespace tern {

class Allocation;
struct WorkerCounters;

// Counts what `entry` relayed since it was last counted; `now` is its traffic so far.
void count_offloaded(Allocation& a, WorkerCounters& counters, OffloadedChannel& entry,
                     const OffloadTraffic& now);
// Counts the program's last traffic for the allocation and takes its channels out of the
// maps; the table calls it before the allocation's end is logged and published.
void end_offload(ChannelOffload& offload, Allocation& a, WorkerCounters& counters);

}  // namespace tern
