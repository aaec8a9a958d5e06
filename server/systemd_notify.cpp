#include "server/systemd_notify.h"

#include <systemd/sd-daemon.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "base/log.h"
#include "server/core/request_context.h"
#include "server/worker/worker.h"

namespace tern {

struct SystemdNotify::Beat {
  std::atomic<uint64_t> answered{0};
  std::atomic<uint64_t> allocations{0};
};

struct SystemdNotify::Stall {
  std::mutex mutex;
  std::condition_variable released_cv;
  bool released = false;

  void block() {
    std::unique_lock lock(mutex);
    released_cv.wait(lock, [this] { return released; });
  }
  void release() {
    {
      std::lock_guard lock(mutex);
      released = true;
    }
    released_cv.notify_all();
  }
};

namespace {

using namespace std::chrono_literals;

constexpr auto kReadyTimeout = 10s;
constexpr int64_t kStatusIntervalUsec = 1'000'000;

timeval to_timeval(int64_t usec) {
  return timeval{static_cast<time_t>(usec / 1'000'000), static_cast<suseconds_t>(usec % 1'000'000)};
}

}  // namespace

SystemdNotify::SystemdNotify(event_base* base, std::span<const std::unique_ptr<Worker>> workers,
                             Logger& log)
    : workers_(workers),
      log_(log),
      beats_(std::make_shared<std::vector<Beat>>(workers.size())),
      posted_(workers.size(), 0),
      unanswered_since_ms_(workers.size()),
      reported_stuck_(workers.size(), false) {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  enabled_ = socket != nullptr && *socket != '\0';
  uint64_t usec = 0;
  if (enabled_ && sd_watchdog_enabled(0, &usec) > 0) watchdog_usec_ = static_cast<int64_t>(usec);
  arm_stall_hook(base);
  if (!enabled_) return;
  // Pings at half the interval (sd_watchdog_enabled(3)); STATUS= at least once a second.
  const int64_t period =
      watchdog_usec_ > 0 ? std::min(watchdog_usec_ / 2, kStatusIntervalUsec) : kStatusIntervalUsec;
  timer_.reset(event_new(base, -1, EV_PERSIST, on_timer, this));
  const timeval tv = to_timeval(std::max<int64_t>(period, 1000));
  event_add(timer_.get(), &tv);
  if (watchdog_usec_ > 0) {
    log_.info("systemd watchdog: {} ms, pinged every {} ms while every worker answers",
              watchdog_usec_ / 1000, tv.tv_sec * 1000 + tv.tv_usec / 1000);
  }
}

SystemdNotify::~SystemdNotify() {
  if (stall_) stall_->release();
}

bool SystemdNotify::answered(size_t i) const {
  return (*beats_)[i].answered.load(std::memory_order_acquire) == posted_[i];
}

// A stuck worker keeps its one unanswered beat (and when it was posted) until it answers,
// rather than a pile of them.
void SystemdNotify::post_beats() {
  ++sent_;
  const int64_t now = steady_ms();
  for (size_t i = 0; i < workers_.size(); ++i) {
    if (!answered(i)) continue;
    Worker* w = workers_[i].get();
    posted_[i] = sent_;
    unanswered_since_ms_[i] = now;
    // A stopping worker refuses and so stays unanswered: ternd is stopping anyway.
    (void)w->post([beats = beats_, i, w, seq = sent_] {
      (*beats)[i].allocations.store(w->allocation_count(), std::memory_order_relaxed);
      (*beats)[i].answered.store(seq, std::memory_order_release);
    });
  }
}

std::optional<std::string> SystemdNotify::ready() {
  post_beats();
  const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
  for (size_t i = 0; i < workers_.size(); ++i) {
    while (!answered(i)) {
      if (std::chrono::steady_clock::now() >= deadline) {
        return fmt::format("worker {} did not start its loop within {} s", i,
                           kReadyTimeout.count());
      }
      std::this_thread::sleep_for(1ms);
    }
    unanswered_since_ms_[i].reset();
  }
  status_ = status();
  notify("READY=1\nSTATUS=" + status_);
  return std::nullopt;
}

void SystemdNotify::stopping() {
  if (stall_) stall_->release();
  notify("STOPPING=1\nSTATUS=stopping");
}

// A worker is stuck when a beat posted to it has waited longer than the watchdog
// interval: measured from the post, so a late timer on a busy main thread is not
// mistaken for a stuck worker.
bool SystemdNotify::all_alive(int64_t now_ms) {
  bool alive = true;
  const int64_t limit_ms = watchdog_usec_ > 0 ? watchdog_usec_ / 1000 : 0;
  for (size_t i = 0; i < workers_.size(); ++i) {
    if (answered(i)) {
      unanswered_since_ms_[i].reset();
      if (reported_stuck_[i]) log_.warning("worker {} answers again: watchdog pings resume", i);
      reported_stuck_[i] = false;
      continue;
    }
    const int64_t waited = now_ms - unanswered_since_ms_[i].value_or(now_ms);
    if (limit_ms == 0 || waited <= limit_ms) continue;
    alive = false;
    if (!reported_stuck_[i]) {
      log_.error(
          "worker {} has not answered for {} ms: watchdog pings stop, so systemd restarts ternd", i,
          waited);
      reported_stuck_[i] = true;
    }
  }
  return alive;
}

std::string SystemdNotify::status() const {
  uint64_t allocations = 0;
  for (const Beat& b : *beats_) allocations += b.allocations.load(std::memory_order_relaxed);
  return fmt::format("{}{} allocation{}, {} worker{}", draining_ ? "draining: " : "", allocations,
                     allocations == 1 ? "" : "s", workers_.size(), workers_.size() == 1 ? "" : "s");
}

void SystemdNotify::set_draining() {
  draining_ = true;
  update_status();
}

void SystemdNotify::update_status() {
  std::string now = status();
  if (now == status_) return;
  status_ = std::move(now);
  notify("STATUS=" + status_);
}

void SystemdNotify::on_timer(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<SystemdNotify*>(arg);
  const bool alive = self->all_alive(steady_ms());
  if (alive && self->watchdog_usec_ > 0) self->notify("WATCHDOG=1");
  self->update_status();
  self->post_beats();
}

void SystemdNotify::notify(const std::string& state) {
  if (!enabled_) return;
  const int r = sd_notify(0, state.c_str());
  if (r >= 0 || send_failed_) return;
  send_failed_ = true;
  log_.warning("sd_notify to NOTIFY_SOCKET failed: {}; systemd may not see ternd's state",
               std::strerror(-r));
}

void SystemdNotify::arm_stall_hook(event_base* base) {
  const char* after = std::getenv(kStallWorkerEnv);
  if (after == nullptr || workers_.empty()) return;
  char* end = nullptr;
  const long seconds = std::strtol(after, &end, 10);
  if (end == after || *end != '\0' || seconds < 0) {
    log_.warning("{}=\"{}\" is not a number of seconds; ignored", kStallWorkerEnv, after);
    return;
  }
  stall_ = std::make_shared<Stall>();
  stall_timer_.reset(evtimer_new(base, on_stall, this));
  const timeval tv{seconds, 0};
  event_add(stall_timer_.get(), &tv);
}

void SystemdNotify::on_stall(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<SystemdNotify*>(arg);
  self->log_.warning("{}: worker 0 stalls until shutdown (a test hook)", kStallWorkerEnv);
  // Until shutdown: released by stopping(), then held on until Server::stop has told every
  // worker to stop, so what worker 0 runs on its way out meets workers that refuse posts
  // (as an RFC 8016 handover may at any shutdown; the tests make it certain). Bounded.
  (void)self->workers_[0]->post([stall = self->stall_, workers = self->workers_] {
    stall->block();
    for (int i = 0; i < 10'000; ++i) {
      if (std::ranges::all_of(workers, [](const auto& w) { return w->stopping(); })) break;
      std::this_thread::sleep_for(1ms);
    }
  });
}

}  // namespace tern
