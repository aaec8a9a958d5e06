#include "bench/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace tern::bench {

size_t Histogram::bucket_of(int64_t ns) {
  const auto v = static_cast<uint64_t>(std::max<int64_t>(ns, 0));
  if (v < 2 * kSub) return static_cast<size_t>(v);
  const int exponent = std::min(63 - std::countl_zero(v), kMaxExponent);
  if (exponent == kMaxExponent && (v >> kMaxExponent) > 1) return kBuckets - 1;
  const uint64_t sub = (v >> (exponent - kSubBits)) & (kSub - 1);
  return static_cast<size_t>((exponent - kSubBits + 1) * kSub + sub);
}

int64_t Histogram::bucket_low(size_t index) {
  if (index < 2 * kSub) return static_cast<int64_t>(index);
  const int exponent = static_cast<int>(index / kSub) + kSubBits - 1;
  const uint64_t sub = index % kSub;
  return static_cast<int64_t>((uint64_t{1} << exponent) + (sub << (exponent - kSubBits)));
}

int64_t Histogram::bucket_width(size_t index) {
  if (index < 2 * kSub) return 1;
  const int exponent = static_cast<int>(index / kSub) + kSubBits - 1;
  return int64_t{1} << (exponent - kSubBits);
}

void Histogram::record(int64_t ns) {
  ns = std::max<int64_t>(ns, 0);
  buckets_[bucket_of(ns)]++;
  min_ = count_ ? std::min(min_, ns) : ns;
  max_ = std::max(max_, ns);
  sum_ += ns;
  count_++;
}

void Histogram::merge(const Histogram& other) {
  if (other.count_ == 0) return;
  for (size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  min_ = count_ ? std::min(min_, other.min_) : other.min_;
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
  count_ += other.count_;
}

int64_t Histogram::percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // The rank of the sample wanted, 1-based: the smallest value with q of samples at or below.
  const auto rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * count_)));
  if (rank >= count_) return max_;
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      const int64_t middle = bucket_low(i) + bucket_width(i) / 2;
      return std::clamp(middle, min_, max_);
    }
  }
  return max_;
}

}  // namespace tern::bench
