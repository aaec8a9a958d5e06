#include "tests/support/realm_probes.h"

#include <thread>

namespace tern::test {

Waited poll_until(const std::function<bool()>& done, std::chrono::milliseconds bound,
                  std::chrono::milliseconds interval) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  for (;;) {
    const bool reached = done();
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    if (reached || elapsed >= bound) return {reached, elapsed};
    std::this_thread::sleep_for(interval);
  }
}

std::string outcome(const TurnResult& r) {
  return r ? r->describe() : r.error();
}

}  // namespace tern::test
