#include "bench/report.h"

#include <gtest/gtest.h>

namespace tern::bench {
namespace {

TEST(Report, Json_IsOneFlatObjectWithFailuresAndWarnings) {
  Report r;
  r.text("mode", "bin\"ding");
  r.number("responses_per_s", 1234.5678, 1);
  r.count_error("401", 2);
  r.count_error("401");
  r.warn("slow\nbench");
  EXPECT_EQ(r.json(),
            "{\"mode\":\"bin\\\"ding\",\"responses_per_s\":1234.6,\"failures\":{\"401\":3},"
            "\"warnings\":[\"slow\\u000abench\"]}\n");
}

TEST(Report, Latency_InMicroseconds) {
  Histogram h;
  h.record(50);  // ns
  Report r;
  r.latency("rtt", h);
  EXPECT_DOUBLE_EQ(*r.number_of("rtt_p50_us"), 0.1);  // 0.05 us, rounded to one decimal
  EXPECT_TRUE(r.number_of("rtt_p999_us"));
}

TEST(Report, NonFiniteNumbers_AreWrittenAsZero) {
  Report r;
  r.number("x", 0.0 / 0.0);
  EXPECT_EQ(*r.number_of("x"), 0);
}

TEST(Report, Human_AlignsKeysAndListsFailures) {
  Report r;
  r.number("a", 1);
  r.number("longer", 2);
  r.count_error("timeout", 4);
  EXPECT_EQ(r.human(), "a       1\nlonger  2\nfailures timeout: 4\n");
  EXPECT_EQ(r.failures("timeout"), 4u);
  EXPECT_EQ(r.failures_total(), 4u);
}

}  // namespace
}  // namespace tern::bench
