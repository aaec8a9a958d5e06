#pragma once
// Whether ternd is draining (SIGUSR1, `ternctl drain`): it takes no new allocation and
// stops once the ones it has have ended. Set from the main or the admin thread, read by
// every worker on each Allocate, so it is one atomic flag and never goes back.

#include <atomic>
#include <cstdint>
#include <optional>

namespace tern {

class DrainState {
 public:
  // True for the call that started the drain; later ones change nothing.
  bool begin(int64_t now_ms) {
    bool expected = false;
    if (!started_.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) return false;
    since_ms_.store(now_ms, std::memory_order_release);
    draining_.store(true, std::memory_order_release);
    return true;
  }
  bool draining() const { return draining_.load(std::memory_order_acquire); }
  // When it began (steady ms), once draining() is true.
  std::optional<int64_t> since_ms() const {
    if (!draining()) return std::nullopt;
    return since_ms_.load(std::memory_order_acquire);
  }

 private:
  std::atomic<bool> started_{false};   // claimed by the first begin()
  std::atomic<int64_t> since_ms_{0};   // written before draining_ is published
  std::atomic<bool> draining_{false};  // what workers read
};

}  // namespace tern
