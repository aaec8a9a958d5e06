#pragma once
// Brackets a measured phase: wall time, tern-bench's own CPU, and (with --server-pid) the
// server's CPU and memory, turned into per-operation costs for the report.

#include <sys/types.h>

#include <cstdint>
#include <optional>

#include "bench/process_stats.h"
#include "bench/report.h"

namespace tern::bench {

class Meter {
 public:
  explicit Meter(pid_t server_pid) : server_pid_(server_pid) {}
  void start();
  void stop();
  double seconds() const;
  // elapsed_s, bench_cpu_percent and, with a server pid, server_cpu_percent,
  // server_cpu_us_per_<op>, server_rss_kb (at stop) and server_rss_delta_kb.
  void report(Report& r, uint64_t operations, const char* op) const;

 private:
  pid_t server_pid_;
  int64_t start_ns_ = 0, stop_ns_ = 0;
  int64_t self_start_us_ = 0, self_stop_us_ = 0;
  std::optional<ProcessSample> server_start_, server_stop_;
};

}  // namespace tern::bench
