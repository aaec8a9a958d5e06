#include "bench/process_stats.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace tern::bench {
namespace {

TEST(ProcessStats, StatLine_UtimePlusStimeInMicroseconds) {
  // A command name with spaces and a ')' must not shift the fields.
  const std::string line =
      "1234 (evil ) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 5 0 0";
  EXPECT_EQ(parse_stat_cpu_us(line, 100), (250 + 50) * 10'000);
}

TEST(ProcessStats, TruncatedStatLine_IsNoValue) {
  EXPECT_FALSE(parse_stat_cpu_us("1234 (x) S 1 2 3", 100));
  EXPECT_FALSE(parse_stat_cpu_us("garbage", 100));
}

TEST(ProcessStats, StatusLine_ValueInKb) {
  const std::string status = "Name:\tternd\nVmHWM:\t   12000 kB\nVmRSS:\t    9152 kB\n";
  EXPECT_EQ(parse_status_kb(status, "VmRSS"), 9152);
  EXPECT_EQ(parse_status_kb(status, "VmHWM"), 12000);
  EXPECT_FALSE(parse_status_kb(status, "VmSwap"));
  EXPECT_FALSE(parse_status_kb(status, "VmR"));
}

TEST(ProcessStats, OwnProcess_HasCpuAndMemory) {
  volatile uint64_t spin = 0;
  for (int i = 0; i < 20'000'000; ++i) spin = spin + static_cast<uint64_t>(i);
  const auto s = sample_process(getpid());
  ASSERT_TRUE(s);
  EXPECT_GT(s->cpu_us, 0);
  EXPECT_GT(s->rss_kb, 0);
  EXPECT_GT(self_cpu_us(), 0);
}

TEST(ProcessStats, MissingProcess_IsNoSample) {
  EXPECT_FALSE(sample_process(0x3fffffff));
}

}  // namespace
}  // namespace tern::bench
