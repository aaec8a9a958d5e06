#pragma once
// Latency histogram: log-linear buckets (32 per power of two, so any percentile is
// within ~3% of the true value) over nanoseconds, fixed size, no allocation per sample.

#include <array>
#include <cstddef>
#include <cstdint>

namespace tern::bench {

class Histogram {
 public:
  void record(int64_t ns);
  void merge(const Histogram& other);

  uint64_t count() const { return count_; }
  int64_t min() const { return count_ ? min_ : 0; }
  int64_t max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / count_ : 0.0; }
  // The value below which `q` (0..1) of the samples fall; 0 when empty. Exact for values
  // under 64 ns, else the middle of the bucket, clamped to [min, max].
  int64_t percentile(double q) const;

 private:
  static constexpr int kSubBits = 5;
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kMaxExponent = 42;  // ~73 minutes; longer samples land in the top bucket
  static constexpr size_t kBuckets = (kMaxExponent - kSubBits + 2) * kSub;

  static size_t bucket_of(int64_t ns);
  static int64_t bucket_low(size_t index);
  static int64_t bucket_width(size_t index);

  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  int64_t min_ = 0;
  int64_t max_ = 0;
  int64_t sum_ = 0;
};

}  // namespace tern::bench
