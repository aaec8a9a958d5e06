#include "bench/histogram.h"

#include <gtest/gtest.h>

namespace tern::bench {
namespace {

TEST(Histogram, Empty_PercentilesAreZero) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(0.5), 0);
  EXPECT_EQ(h.max(), 0);
}

TEST(Histogram, SmallValues_AreExact) {
  Histogram h;
  for (int v = 1; v <= 50; ++v) h.record(v);
  EXPECT_EQ(h.percentile(0.5), 25);
  EXPECT_EQ(h.percentile(1.0), 50);
  EXPECT_EQ(h.min(), 1);
}

TEST(Histogram, LargeValues_PercentilesWithinThreePercent) {
  Histogram h;
  for (int64_t us = 1; us <= 10000; ++us) h.record(us * 1000);
  const auto near = [](int64_t got, int64_t want) {
    return std::abs(static_cast<double>(got - want)) <= 0.031 * static_cast<double>(want);
  };
  EXPECT_TRUE(near(h.percentile(0.50), 5'000'000)) << h.percentile(0.50);
  EXPECT_TRUE(near(h.percentile(0.99), 9'900'000)) << h.percentile(0.99);
  EXPECT_TRUE(near(h.percentile(0.999), 9'990'000)) << h.percentile(0.999);
  EXPECT_EQ(h.max(), 10'000'000);
}

TEST(Histogram, Percentile_NeverOutsideMinMax) {
  Histogram h;
  h.record(1'000'003);
  EXPECT_EQ(h.percentile(0.0), 1'000'003);
  EXPECT_EQ(h.percentile(1.0), 1'000'003);
}

TEST(Histogram, HugeAndNegativeSamples_AreClampedNotLost) {
  Histogram h;
  h.record(-5);
  h.record(int64_t{1} << 60);
  EXPECT_EQ(h.count(), 2u);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.percentile(1.0), int64_t{1} << 60);
}

TEST(Histogram, Merge_AddsCountsAndKeepsExtremes) {
  Histogram a, b;
  a.record(10);
  b.record(20);
  b.record(30);
  a.merge(b);
  EXPECT_EQ(a.count(), 3u);
  EXPECT_EQ(a.min(), 10);
  EXPECT_EQ(a.max(), 30);
  EXPECT_DOUBLE_EQ(a.mean(), 20.0);
}

}  // namespace
}  // namespace tern::bench
