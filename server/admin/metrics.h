#pragma once
// The two ways ternd's numbers (metrics_snapshot.h) leave the process: Prometheus'
// text format on /metrics and JSON on the admin API's /v1/stats.

#include <string>
#include <string_view>

#include "server/admin/metrics_snapshot.h"

namespace tern {

// Prometheus text exposition format 0.0.4: every counter as tern_<name>_total (drops and
// authentication failures as tern_dropped_total and tern_auth_failures_total by reason,
// metric_families.h), relayed packets and bytes by direction and transport, the two
// histograms, gauges for allocations (by transport and family, and per worker), workers
// and uptime, tern_build_info carrying the version, and process_*.
std::string prometheus_text(const MetricsSnapshot& m);

// {"version":..,"uptime":..,"draining":..,"log_level":..,"workers":..,"allocations":..,
//  "worker_allocations":[..],"counters":{name:value,..},"relayed":{..each way},
//  "listeners":[..],"relay_addresses":[..]}
std::string stats_json(const MetricsSnapshot& m);

// One line of HELP for a counter of kCounterNames.
std::string_view counter_help(std::string_view name);

}  // namespace tern
