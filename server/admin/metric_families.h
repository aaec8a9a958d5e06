#pragma once
// The /metrics series that are one name with a label or with buckets, rather than
// kCounterNames' one name per counter: tern_dropped_total{reason},
// tern_auth_failures_total{reason}, relayed traffic by direction and transport, the kernel
// programs' totals by hook and direction, and the histograms. Every label value comes from a fixed
// table: none grows with users or addresses.

#include <string>
#include <string_view>

#include "server/admin/metrics_snapshot.h"

namespace tern {

// Whether a counter of kCounterNames is written only as part of a family (so not also as
// tern_<name>_total).
bool only_in_family(std::string_view counter_name);

void write_dropped(std::string& out, const MetricsSnapshot& m);
void write_auth_failures(std::string& out, const MetricsSnapshot& m);
void write_relayed(std::string& out, const MetricsSnapshot& m);
// The kernel programs' own totals: nothing without them (m.offload), and a hook's series
// only while its program is loaded.
void write_offload(std::string& out, const MetricsSnapshot& m);
void write_histograms(std::string& out, const MetricsSnapshot& m);

// The reason label of an authentication failure; empty for what is not one (success, the
// first challenge).
std::string_view auth_failure_label(auth::AuthFailure f);

}  // namespace tern
