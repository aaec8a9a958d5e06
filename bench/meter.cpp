#include "bench/meter.h"

#include <string>

#include "bench/clock.h"

namespace tern::bench {

void Meter::start() {
  if (server_pid_ > 0) server_start_ = sample_process(server_pid_);
  self_start_us_ = self_cpu_us();
  start_ns_ = now_ns();
}

void Meter::stop() {
  stop_ns_ = now_ns();
  self_stop_us_ = self_cpu_us();
  if (server_pid_ > 0) server_stop_ = sample_process(server_pid_);
}

double Meter::seconds() const {
  return static_cast<double>(stop_ns_ - start_ns_) / kNsPerSec;
}

void Meter::report(Report& r, uint64_t operations, const char* op) const {
  const double wall_us = static_cast<double>(stop_ns_ - start_ns_) / 1000.0;
  r.number("elapsed_s", seconds(), 3);
  const double self_percent = wall_us > 0 ? 100.0 * (self_stop_us_ - self_start_us_) / wall_us : 0;
  r.number("bench_cpu_percent", self_percent, 1);
  // Above ~90% of a core the load generator, not the server, may be what limits the rate.
  if (self_percent > 90) {
    r.warn("tern-bench used " + std::to_string(static_cast<int>(self_percent)) +
           "% of a core: it may be the bottleneck");
  }
  if (server_pid_ <= 0) return;
  if (!server_start_ || !server_stop_) {
    r.warn("could not read /proc/" + std::to_string(server_pid_));
    return;
  }
  const double server_us = static_cast<double>(server_stop_->cpu_us - server_start_->cpu_us);
  r.number("server_cpu_percent", wall_us > 0 ? 100.0 * server_us / wall_us : 0, 1);
  r.number(std::string("server_cpu_us_per_") + op, operations ? server_us / operations : 0, 3);
  r.number("server_rss_kb", static_cast<double>(server_stop_->rss_kb));
  r.number("server_rss_delta_kb",
           static_cast<double>(server_stop_->rss_kb - server_start_->rss_kb));
}

}  // namespace tern::bench
