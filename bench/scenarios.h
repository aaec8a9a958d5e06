#pragma once
// The three load shapes tern-bench runs. Each returns its report; none throws.

#include "bench/options.h"
#include "bench/report.h"

namespace tern::bench {

Report run_binding(const Options& o);
Report run_allocate(const Options& o);
Report run_relay(const Options& o);

}  // namespace tern::bench
