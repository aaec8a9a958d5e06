#pragma once
// Per-worker counters. Each has one writer (its worker thread), so an increment is a
// relaxed load and store, not a locked read-modify-write; readers on other threads sum
// them (DESIGN.md: counters are per worker and summed on read).

#include <array>
#include <cstdint>

#include "auth/authenticator.h"
#include "base/counter.h"
#include "base/histogram.h"

namespace tern {

// Fixed buckets, so a histogram's series never grow: Allocate latency from 100 µs to 5 s,
// allocation lifetimes from a second to a day.
inline constexpr uint64_t kAllocateLatencyBoundsUs[] = {100,    250,    500,     1000,    2500,
                                                        5000,   10000,  25000,   50000,   100000,
                                                        250000, 500000, 1000000, 2500000, 5000000};
inline constexpr uint64_t kAllocationDurationBoundsMs[] = {
    1000,    5000,    10000,   30000,    60000,    300000,  600000,
    1800000, 3600000, 7200000, 14400000, 43200000, 86400000};

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
  Counter stream_refused_source;           // over --max-unallocated-streams-per-ip
  Counter stream_refused_server;           // over --max-unallocated-streams
  Counter stream_closed_stalled;           // pending output made no progress (stream-write-timeout)
  Counter stream_closed_allocate_timeout;  // no allocation within max-allocate-timeout
  Counter stream_closed_slow_frame;        // a frame not completed within stream-frame-timeout
  Counter stream_closed_idle;              // nothing received for the idle timeout
  Counter stream_accept_paused;            // accept() out of descriptors: listener paused
  Counter proxy_untrusted;  // PROXY listener connection or UDP header from an untrusted source
  Counter proxy_invalid;  // PROXY header malformed, missing or late: connection or datagram dropped
  // DTLS (dtls_endpoint.h)
  Counter dtls_hello_verify_sent;    // ClientHellos without a valid cookie, answered statelessly
  Counter dtls_associations;         // made after a cookie round trip: the only per-client state
  Counter dtls_associations_closed;  // ended, for whatever reason: the rest are still held
  Counter dtls_handshakes;           // completed
  Counter dtls_handshake_failures;   // failed or timed out (dtls-handshake-timeout)
  Counter dtls_refused_half_open;    // a cookie round trip over the bound on half-open handshakes
  // TURN
  Counter auth_challenges;     // 401 without a prior attempt
  Counter auth_failures;       // 400/401/438 after an attempt
  Counter challenges_limited;  // unauthenticated errors not sent (challenge-rate)
  Counter bindings_limited;    // UDP Binding requests not answered (binding-rate)
  // TCP/TLS closed: an unauthenticated error answer over challenge-rate
  Counter stream_closed_unauthenticated;

  // password guessing (auth_guard.h)
  Counter auth_held_back;                  // 401 unchecked: the source spent its budget
  Counter stream_connections_closed_auth;  // TCP/TLS closed for failed password checks

  Counter allocations_created;
  Counter allocations_deleted;
  Counter allocations_expired;
  Counter allocations_failed_capacity;
  Counter allocations_redirected;        // 300 Try Alternate (alternate-server)
  Counter allocations_refused_draining;  // 403 while draining, no alternate
  Counter peer_denied;                   // 403 by the peer policy
  Counter peer_dropped_no_permission;    // peer → client without a permission
  Counter client_dropped_no_permission;  // client → peer without a permission
  Counter dropped_unbound_channel;
  Counter relay_send_failures;
  Counter relayed_in_process;         // client → peer handed straight to another allocation here
  Counter offloaded_packets;          // relayed by the kernel program (also counted in relayed)
  Counter stream_relay_drops;         // relayed data dropped for a stream client not reading
  Counter permissions_revoked;        // removed because a store now denies their peer
  Counter bandwidth_dropped_to_peer;  // client → peer over the allocation's max-bps
  Counter bandwidth_dropped_to_client;  // peer → client over the allocation's max-bps

  // Relayed traffic (payload bytes), exported with direction and transport labels rather
  // than through kCounterNames' one name per counter.
  struct Relayed {
    Counter packets_to_peer;
    Counter bytes_to_peer;
    Counter packets_to_client;
    Counter bytes_to_client;
  };
  std::array<Relayed, 4> relayed;  // by the client side's Transport (udp, tcp, tls, dtls)

  // Answered authentication failures by why (tern_auth_failures_total{reason}); their sum
  // is auth_failures.
  std::array<Counter, auth::kAuthFailureKinds> auth_failures_by_reason;

  // Exported as Prometheus histograms in seconds, in the buckets above.
  Histogram allocate_latency_us{kAllocateLatencyBoundsUs};        // request in → response out
  Histogram allocation_duration_ms{kAllocationDurationBoundsMs};  // observed on deletion
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
    {"stream_refused_source", &WorkerCounters::stream_refused_source},
    {"stream_refused_server", &WorkerCounters::stream_refused_server},
    {"stream_closed_stalled", &WorkerCounters::stream_closed_stalled},
    {"stream_closed_allocate_timeout", &WorkerCounters::stream_closed_allocate_timeout},
    {"stream_closed_slow_frame", &WorkerCounters::stream_closed_slow_frame},
    {"stream_closed_idle", &WorkerCounters::stream_closed_idle},
    {"stream_accept_paused", &WorkerCounters::stream_accept_paused},
    {"proxy_untrusted", &WorkerCounters::proxy_untrusted},
    {"proxy_invalid", &WorkerCounters::proxy_invalid},
    {"dtls_hello_verify_sent", &WorkerCounters::dtls_hello_verify_sent},
    {"dtls_associations", &WorkerCounters::dtls_associations},
    {"dtls_associations_closed", &WorkerCounters::dtls_associations_closed},
    {"dtls_handshakes", &WorkerCounters::dtls_handshakes},
    {"dtls_handshake_failures", &WorkerCounters::dtls_handshake_failures},
    {"dtls_refused_half_open", &WorkerCounters::dtls_refused_half_open},
    {"auth_challenges", &WorkerCounters::auth_challenges},
    {"auth_failures", &WorkerCounters::auth_failures},
    {"challenges_limited", &WorkerCounters::challenges_limited},
    {"bindings_limited", &WorkerCounters::bindings_limited},
    {"stream_closed_unauthenticated", &WorkerCounters::stream_closed_unauthenticated},
    {"auth_held_back", &WorkerCounters::auth_held_back},
    {"stream_closed_auth", &WorkerCounters::stream_connections_closed_auth},
    {"allocations_created", &WorkerCounters::allocations_created},
    {"allocations_deleted", &WorkerCounters::allocations_deleted},
    {"allocations_expired", &WorkerCounters::allocations_expired},
    {"allocations_failed_capacity", &WorkerCounters::allocations_failed_capacity},
    {"allocations_redirected", &WorkerCounters::allocations_redirected},
    {"allocations_refused_draining", &WorkerCounters::allocations_refused_draining},
    {"peer_denied", &WorkerCounters::peer_denied},
    {"peer_dropped_no_permission", &WorkerCounters::peer_dropped_no_permission},
    {"client_dropped_no_permission", &WorkerCounters::client_dropped_no_permission},
    {"dropped_unbound_channel", &WorkerCounters::dropped_unbound_channel},
    {"relay_send_failures", &WorkerCounters::relay_send_failures},
    {"relayed_in_process", &WorkerCounters::relayed_in_process},
    {"offloaded_packets", &WorkerCounters::offloaded_packets},
    {"stream_relay_drops", &WorkerCounters::stream_relay_drops},
    {"permissions_revoked", &WorkerCounters::permissions_revoked},
    {"bandwidth_dropped_to_peer", &WorkerCounters::bandwidth_dropped_to_peer},
    {"bandwidth_dropped_to_client", &WorkerCounters::bandwidth_dropped_to_client},
};

}  // namespace tern
