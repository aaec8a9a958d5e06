#pragma once
// Waiting for what ternd, Redis or the kernel does in its own time: `probe` is asked again
// every `step` until it holds or `limit` passes, so a test neither sleeps a guessed time
// nor hangs. Generous by default: a loaded machine is slow, a passing test does not wait.

#include <chrono>
#include <thread>

namespace tern::test {

template <typename F>
bool eventually(F probe, std::chrono::milliseconds limit = std::chrono::seconds(20),
                std::chrono::milliseconds step = std::chrono::milliseconds(50)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!probe()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
  }
  return true;
}

}  // namespace tern::test
