// Fixed buckets with one writer: where an observation lands, and several added together.
#include "base/histogram.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace tern {
namespace {

constexpr uint64_t kBounds[] = {10, 100, 1000};

TEST(Histogram, AnObservationOnABound_CountsInThatBucket_AsPrometheusLeDoes) {
  Histogram h(kBounds);
  h.observe(0);
  h.observe(10);
  h.observe(11);
  h.observe(1000);
  h.observe(1001);
  Histogram::Totals t;
  t += h;
  EXPECT_EQ(t.buckets[0], 2u);  // 0 and 10
  EXPECT_EQ(t.buckets[1], 1u);  // 11
  EXPECT_EQ(t.buckets[2], 1u);  // 1000
  EXPECT_EQ(t.buckets[3], 1u);  // 1001: above every bound
  EXPECT_EQ(t.count(), 5u);
  EXPECT_EQ(t.sum, 2022u);
}

TEST(Histogram, TotalsOfSeveralWorkers_AddBucketByBucket) {
  Histogram a(kBounds), b(kBounds);
  a.observe(5);
  b.observe(50);
  b.observe(5000);
  Histogram::Totals t{kBounds};
  t += a;
  t += b;
  EXPECT_EQ(t.bounds.size(), 3u);
  EXPECT_EQ(t.buckets[0], 1u);
  EXPECT_EQ(t.buckets[1], 1u);
  EXPECT_EQ(t.buckets[2], 0u);
  EXPECT_EQ(t.buckets[3], 1u);
  EXPECT_EQ(t.count(), 3u);
  EXPECT_EQ(t.sum, 5055u);
}

}  // namespace
}  // namespace tern
