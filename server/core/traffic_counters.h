#pragma once
// What an allocation relayed each way, as sessions, the statsdb and its deletion line say
// it: data bytes (no ChannelData or Data indication framing) and their datagrams, or the
// reads of a TCP relay. Summed from user space, the kernel fast path and TCP relays.

#include <cstdint>

namespace tern {

struct TrafficCounters {
  uint64_t packets_to_peer = 0, bytes_to_peer = 0;
  uint64_t packets_to_client = 0, bytes_to_client = 0;

  TrafficCounters& operator+=(const TrafficCounters& more) {
    packets_to_peer += more.packets_to_peer;
    bytes_to_peer += more.bytes_to_peer;
    packets_to_client += more.packets_to_client;
    bytes_to_client += more.bytes_to_client;
    return *this;
  }
  friend bool operator==(const TrafficCounters&, const TrafficCounters&) = default;
};

}  // namespace tern
