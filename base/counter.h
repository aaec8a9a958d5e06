#pragma once
// A count with one writer thread: an increment is a relaxed load and store, not a locked
// read-modify-write; readers on other threads may read it at any time.

#include <atomic>
#include <cstdint>

namespace tern {

class Counter {
 public:
  void add(uint64_t n = 1) {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  uint64_t get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

}  // namespace tern
