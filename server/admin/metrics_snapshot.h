#pragma once
// ternd's numbers at one moment: what /metrics, /v1/stats and the metric families are
// written from.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/admin/process_stats.h"
#include "server/core/allocation_mix.h"
#include "server/core/counters.h"
#include "server/offload/channel_offload.h"
#include "tern/version.h"

namespace tern {

// The CMake project version, as ternd --version prints it (without the git commit).
inline constexpr std::string_view kTernVersion = kVersion;

// What the admin API refused before routing: a missing or wrong bearer token (401), and a
// source held back after too many of those (429).
struct AdminAuthCounts {
  uint64_t failures = 0;
  uint64_t held_back = 0;
};

struct MetricsSnapshot {
  struct CounterValue {
    std::string_view name;  // as in kCounterNames
    uint64_t value = 0;
  };
  std::vector<CounterValue> counters;        // summed over workers, kCounterNames' order
  std::vector<uint64_t> worker_allocations;  // live allocations, one entry per worker
  AllocationMix allocation_mix;              // the same, by client transport and family
  struct Relayed {
    uint64_t packets_to_peer = 0, bytes_to_peer = 0;  // payload bytes
    uint64_t packets_to_client = 0, bytes_to_client = 0;
  };
  std::array<Relayed, 4> relayed{};  // by the client side's Transport, summed over workers
  std::array<uint64_t, auth::kAuthFailureKinds> auth_failures{};  // by auth::AuthFailure
  Histogram::Totals allocate_latency_us{kAllocateLatencyBoundsUs};
  Histogram::Totals allocation_duration_ms{kAllocationDurationBoundsMs};
  AdminAuthCounts admin_auth;
  std::optional<ProcessStats> process;  // none: /proc unreadable, no process_* metrics
  std::optional<OffloadStats> offload;  // none: no kernel program, no tern_offload_* metrics
  int64_t uptime_s = 0;
  bool draining = false;                // SIGUSR1 or ternctl drain: no new allocations
  std::string_view log_level = "INFO";  // log_level_name; ternctl log-level changes it
  std::string_view version = kTernVersion;
  std::vector<std::string> listeners, relay_addresses;  // as of startup; /v1/stats only

  uint64_t allocations() const;
};

}  // namespace tern
