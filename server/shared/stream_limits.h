#pragma once
// What ternd lets TCP and TLS clients hold before they have an allocation, shared by
// every worker: each worker accepts on its own SO_REUSEPORT listener, so a cap kept per
// worker would multiply by the worker count. Counting touches atomics at accept, first
// allocation and close only, never per frame.
//
// Per source IP (IPv6: per /64) the count lives in a table of buckets indexed by keyed
// hashes of the IP (a flood from many sources costs no memory). Each IP is counted in two
// buckets and judged by the smaller count (a count-min sketch), so an innocent IP is
// refused only when both of its buckets are shared with sources at the cap.

#include <array>
#include <atomic>
#include <cstdint>
#include <utility>

#include "protocol/transport_address.h"
#include "server/core/counters.h"

namespace tern {

struct StreamSettings {
  uint32_t per_ip = 200;                   // --max-unallocated-streams-per-ip; 0 = no cap
  uint32_t total = 4000;                   // --max-unallocated-streams; 0 = no cap
  uint32_t allocate_timeout_s = 60;        // --max-allocate-timeout
  uint32_t write_timeout_s = 30;           // --stream-write-timeout
  uint32_t frame_timeout_s = 10;           // --stream-frame-timeout
  uint32_t dtls_handshake_timeout_s = 10;  // --dtls-handshake-timeout
  uint32_t dtls_max_half_open = 256;       // --dtls-max-half-open, per worker and socket
};

class StreamLimits {
 public:
  static constexpr size_t kBuckets = 16384;

  explicit StreamLimits(const StreamSettings& settings);
  StreamLimits(const StreamLimits&) = delete;
  StreamLimits& operator=(const StreamLimits&) = delete;

  const StreamSettings& settings() const { return settings_; }

  enum class Admission { Admitted, SourceFull, ServerFull };
  // Counts a new connection from `source` unless its IP or the server is at its cap.
  Admission admit(const TransportAddress& source);
  // The connection got an allocation or closed: it no longer counts.
  void release(const TransportAddress& source);
  uint32_t unallocated() const { return total_.load(std::memory_order_relaxed); }

  // accept() failing for want of descriptors is said once a minute over all workers and
  // listeners; true when this failure is the one to log, with `count` the failures since
  // the last line.
  bool note_accept_failure(int64_t now_ms, uint64_t& count);

 private:
  std::array<size_t, 2> buckets(const TransportAddress& source) const;

  StreamSettings settings_;
  std::array<uint64_t, 2> keys_{};
  std::array<std::atomic<uint32_t>, kBuckets> per_ip_{};
  std::atomic<uint32_t> total_{0};
  std::atomic<int64_t> accept_logged_ms_{-60'000};
  std::atomic<uint64_t> accept_failures_{0};
};

// The counter a refused admission adds to.
inline Counter& refusal_counter(StreamLimits::Admission why, WorkerCounters& counters) {
  return why == StreamLimits::Admission::SourceFull ? counters.stream_refused_source
                                                    : counters.stream_refused_server;
}

// One connection's place in StreamLimits, given back once (at its allocation or when it
// closes, whichever comes first) and taken again if its allocation goes and it stays.
class StreamSlot {
 public:
  StreamSlot() = default;
  StreamSlot(StreamLimits* limits, const TransportAddress& source)
      : limits_(limits), source_(source), held_(limits != nullptr) {}
  StreamSlot(StreamSlot&& other) noexcept
      : limits_(other.limits_), source_(other.source_), held_(std::exchange(other.held_, false)) {}
  StreamSlot& operator=(StreamSlot&&) = delete;
  ~StreamSlot() { release(); }

  void release() {
    if (held_) limits_->release(source_);
    held_ = false;
  }
  // Counts the connection again after release(), unless its IP or the server is at its
  // cap (the verdict says which; the slot then stays empty).
  StreamLimits::Admission retake() {
    if (held_ || limits_ == nullptr) return StreamLimits::Admission::Admitted;
    const auto admission = limits_->admit(source_);
    held_ = admission == StreamLimits::Admission::Admitted;
    return admission;
  }

 private:
  StreamLimits* limits_ = nullptr;
  TransportAddress source_;
  bool held_ = false;
};

}  // namespace tern
