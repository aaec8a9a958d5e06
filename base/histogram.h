#pragma once
// A distribution in fixed buckets with one writer thread: an observation is two relaxed
// adds (its bucket and the sum), as Counter's are; readers on other threads add the
// writers' copies together (Totals) and write them out cumulatively, as Prometheus wants.

#include <algorithm>
#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <span>

#include "base/counter.h"

namespace tern {

class Histogram {
 public:
  static constexpr size_t kMaxBounds = 20;

  // Upper bounds, inclusive (Prometheus' `le`), ascending, in the unit observed; the
  // array outlives the histogram (a constant). One more bucket catches the rest (+Inf).
  explicit Histogram(std::span<const uint64_t> bounds) : bounds_(bounds) {
    assert(bounds.size() <= kMaxBounds && std::ranges::is_sorted(bounds));
  }

  void observe(uint64_t v) {
    buckets_[std::ranges::lower_bound(bounds_, v) - bounds_.begin()].add();
    sum_.add(v);
  }

  std::span<const uint64_t> bounds() const { return bounds_; }

  // Several histograms of the same bounds added together: per bucket (not cumulative),
  // the last one above every bound.
  struct Totals {
    std::span<const uint64_t> bounds;
    std::array<uint64_t, kMaxBounds + 1> buckets{};
    uint64_t sum = 0;

    Totals& operator+=(const Histogram& h) {
      bounds = h.bounds_;
      for (size_t i = 0; i <= bounds.size(); ++i) buckets[i] += h.buckets_[i].get();
      sum += h.sum_.get();
      return *this;
    }
    uint64_t count() const {
      uint64_t n = 0;
      for (size_t i = 0; i <= bounds.size(); ++i) n += buckets[i];
      return n;
    }
  };

 private:
  std::span<const uint64_t> bounds_;
  std::array<Counter, kMaxBounds + 1> buckets_;
  Counter sum_;
};

}  // namespace tern
