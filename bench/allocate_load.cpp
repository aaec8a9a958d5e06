// Allocations per second with the full 401 round trip, each from its own socket (an
// allocation is its 5-tuple), W being set up at once; then optionally held, then deleted.

#include <unistd.h>

#include "bench/clock.h"
#include "bench/echo_peer.h"
#include "bench/meter.h"
#include "bench/process_stats.h"
#include "bench/scenarios.h"
#include "bench/session_pool.h"

namespace tern::bench {
namespace {

void report_failures(Report& r, const SessionPool& pool) {
  for (const auto& [what, n] : pool.failures()) r.count_error(what, n);
}

}  // namespace

Report run_allocate(const Options& o) {
  Report r;
  r.text("mode", "allocate");
  r.text("transport", to_string(o.transport));
  r.text("server", o.server.to_string());
  const auto count = static_cast<size_t>(o.effective_count());
  r.number("count", static_cast<double>(count));
  r.number("window", o.effective_window());

  EchoPeer peer;
  SessionGoal goal;
  if (o.with_channel) {
    if (!peer.start(o.peer_ip)) {
      r.text("error", "cannot bind the peer address " + o.peer_ip);
      return r;
    }
    goal = SessionGoal{.permission = true, .channel = true, .peer = peer.address()};
  }
  SessionPool pool(o, goal, count);
  const int64_t begin = now_ns();
  const int64_t hard_end = begin + static_cast<int64_t>(o.effective_max_seconds() * kNsPerSec);

  Meter meter(o.server_pid);
  meter.start();
  pool.set_up(o.effective_window(), hard_end);
  meter.stop();
  const double secs = meter.seconds();
  r.number("allocations_ok", static_cast<double>(pool.ready()));
  r.number("allocations_per_s", secs > 0 ? pool.ready() / secs : 0, 1);
  r.latency("setup_latency", pool.setup_latency());
  meter.report(r, pool.ready(), "allocation");

  if (o.hold_s > 0) {
    const auto before = o.server_pid > 0 ? sample_process(o.server_pid) : std::nullopt;
    pool.hold(std::min(hard_end, now_ns() + static_cast<int64_t>(o.hold_s * kNsPerSec)));
    if (o.server_pid > 0) {
      if (const auto held = sample_process(o.server_pid)) {
        r.number("server_rss_held_kb", static_cast<double>(held->rss_kb));
        // Idle cost: the CPU the server spent while nothing but refreshes happened.
        if (before) {
          r.number("server_idle_cpu_percent",
                   100.0 * static_cast<double>(held->cpu_us - before->cpu_us) / (o.hold_s * 1e6),
                   2);
        }
      }
    }
  }

  size_t held = 0;
  size_t refreshed = 0;
  for (const auto& s : pool.sessions()) {
    // One whose refresh is in flight at the end still holds its allocation.
    held += s.phase == Phase::Ready || s.phase == Phase::Refreshing;
    refreshed += s.refreshes > 0;
  }
  r.number("allocations_held_at_end", static_cast<double>(held));
  // A hold longer than half the granted lifetime refreshes each allocation once.
  r.number("allocations_refreshed", static_cast<double>(refreshed));
  const int64_t t0 = now_ns();
  const size_t deleted =
      pool.tear_down(o.effective_window(), std::max(hard_end, t0 + 30 * kNsPerSec));
  const double del_secs = static_cast<double>(now_ns() - t0) / kNsPerSec;
  r.number("deleted", static_cast<double>(deleted));
  r.number("deletes_per_s", del_secs > 0 ? deleted / del_secs : 0, 1);
  report_failures(r, pool);
  return r;
}

}  // namespace tern::bench
