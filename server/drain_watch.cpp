#include "server/drain_watch.h"

#include <algorithm>
#include <atomic>
#include <optional>

#include <fmt/format.h>

#include "base/log.h"
#include "server/core/request_context.h"
#include "server/server.h"
#include "server/systemd_notify.h"

namespace tern {

namespace {
// How often the main thread looks: how late a drain is noticed and how long ternd lingers
// after its last allocation.
constexpr timeval kTickInterval{0, 250'000};
}  // namespace

struct DrainWatch::Counts {
  explicit Counts(size_t workers) : answered(workers), allocations(workers) {}
  std::vector<std::atomic<uint64_t>> answered;  // the last round each worker answered
  std::vector<std::atomic<uint64_t>> allocations;
};

DrainWatch::DrainWatch(event_base* base, Server& server, SystemdNotify& systemd, uint32_t timeout_s,
                       Logger& log)
    : base_(base),
      server_(server),
      systemd_(systemd),
      timeout_s_(timeout_s),
      log_(log),
      counts_(std::make_shared<Counts>(server.workers().size())),
      timer_(event_new(base, -1, EV_PERSIST, on_tick, this)) {
  event_add(timer_.get(), &kTickInterval);
}

DrainWatch::~DrainWatch() = default;

void DrainWatch::begin(std::string_view why) {
  if (!server_.turn().drain.begin(steady_ms())) {
    log_.info("{}: already draining", why);
    return;
  }
  log_.info("{}: draining", why);
  tick();
}

void DrainWatch::on_tick(evutil_socket_t, short, void* self) {
  static_cast<DrainWatch*>(self)->tick();
}

void DrainWatch::started() {
  seen_ = true;
  systemd_.set_draining();
  // Deletions first: every allocation they count was created before, so no underflow.
  const uint64_t deleted = server_.sum(&WorkerCounters::allocations_deleted);
  const uint64_t created = server_.sum(&WorkerCounters::allocations_created);
  log_.info(
      "draining: new allocations get {}; the {} live ones keep working; ternd stops when the "
      "last one ends{}",
      server_.turn().alternates.empty() ? "403" : "300 with an alternate server (else 403)",
      created - std::min(created, deleted),
      timeout_s_ > 0 ? fmt::format(" or in {} s (drain-timeout)", timeout_s_) : "");
}

std::optional<uint64_t> DrainWatch::poll_allocations() {
  const auto& workers = server_.workers();
  std::optional<uint64_t> total;
  if (round_ > 0) {
    total = 0;
    for (size_t i = 0; i < workers.size(); ++i) {
      if (counts_->answered[i].load(std::memory_order_acquire) != round_) return std::nullopt;
      *total += counts_->allocations[i].load(std::memory_order_relaxed);
    }
  }
  ++round_;
  for (size_t i = 0; i < workers.size(); ++i) {
    Worker* w = workers[i].get();
    // A stopping worker refuses and never answers this round: ternd is stopping anyway.
    (void)w->post([counts = counts_, i, w, round = round_] {
      counts->allocations[i].store(w->allocation_count(), std::memory_order_relaxed);
      counts->answered[i].store(round, std::memory_order_release);
    });
  }
  return total;
}

void DrainWatch::tick() {
  const auto since = server_.turn().drain.since_ms();
  if (!since) return;
  if (!seen_) started();
  if (auto left = poll_allocations(); left && *left == 0) {
    log_.info("drained: the last allocation has ended; stopping");
    event_base_loopbreak(base_);
    return;
  }
  if (timeout_s_ > 0 && steady_ms() - *since >= int64_t{timeout_s_} * 1000) {
    log_.info("drain-timeout: {} s passed with allocations left; stopping", timeout_s_);
    event_base_loopbreak(base_);
  }
}

}  // namespace tern
