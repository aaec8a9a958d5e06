#pragma once
// Turns of an event loop for the base library's tests of libevent code: until `done`
// holds, or `limit` passes (the bound that keeps a broken test from hanging).

#include <event2/event.h>

#include <chrono>
#include <functional>
#include <thread>

namespace tern::test {

inline bool run_until(event_base* base, const std::function<bool()>& done,
                      std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace tern::test
