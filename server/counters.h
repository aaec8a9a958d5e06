#pragma once
// Per-worker counters. Each has one writer (its worker thread), so an increment is a
// relaxed load and store, not a locked read-modify-write; readers on other threads sum
// them (DESIGN.md: counters are per worker and summed on read).

#include <atomic>
#include <cstdint>

namespace tern {

class Counter {
 public:
  void add(uint64_t n = 1) {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  uint64_t get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

struct WorkerCounters {
  Counter udp_datagrams_in;
  Counter udp_datagrams_out;
  Counter udp_send_failures;
  Counter dropped_not_stun;   // not STUN and not ChannelData
  Counter dropped_malformed;  // STUN-looking but unparseable, no reply possible
  Counter dropped_truncated;  // larger than a receive slot
  Counter dropped_bad_fingerprint;
  Counter binding_requests;
  Counter error_responses;
  Counter stream_connections_accepted;
  Counter stream_connections_closed_invalid;  // unframeable stream
  Counter tls_handshake_failures;
};

// One table names every counter: the shutdown summary and, later, /metrics read it.
struct CounterName {
  const char* name;
  Counter WorkerCounters::*member;
};
inline constexpr CounterName kCounterNames[] = {
    {"udp_in", &WorkerCounters::udp_datagrams_in},
    {"udp_out", &WorkerCounters::udp_datagrams_out},
    {"udp_send_failures", &WorkerCounters::udp_send_failures},
    {"dropped_not_stun", &WorkerCounters::dropped_not_stun},
    {"dropped_malformed", &WorkerCounters::dropped_malformed},
    {"dropped_truncated", &WorkerCounters::dropped_truncated},
    {"dropped_bad_fingerprint", &WorkerCounters::dropped_bad_fingerprint},
    {"binding_requests", &WorkerCounters::binding_requests},
    {"error_responses", &WorkerCounters::error_responses},
    {"stream_accepted", &WorkerCounters::stream_connections_accepted},
    {"stream_closed_invalid", &WorkerCounters::stream_connections_closed_invalid},
    {"tls_handshake_failures", &WorkerCounters::tls_handshake_failures},
};

}  // namespace tern
