#include "server/shared/stream_limits.h"

#include <gtest/gtest.h>

#include "base/socket_address.h"

namespace tern {
namespace {

TransportAddress ip(const char* text) {
  return *parse_ip(text);
}

TEST(StreamLimits, PerSourceCap_RefusesThatSourceOnly) {
  StreamLimits limits({.per_ip = 3, .total = 100});
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(limits.admit(ip("192.0.2.1")), StreamLimits::Admission::Admitted);
  EXPECT_EQ(limits.admit(ip("192.0.2.1")), StreamLimits::Admission::SourceFull);
  EXPECT_EQ(limits.admit(ip("192.0.2.2")), StreamLimits::Admission::Admitted);
  EXPECT_EQ(limits.unallocated(), 4u);
}

TEST(StreamLimits, Release_GivesTheSlotBack) {
  StreamLimits limits({.per_ip = 1, .total = 100});
  ASSERT_EQ(limits.admit(ip("192.0.2.1")), StreamLimits::Admission::Admitted);
  ASSERT_EQ(limits.admit(ip("192.0.2.1")), StreamLimits::Admission::SourceFull);
  {
    StreamSlot slot(&limits, ip("192.0.2.1"));
    StreamSlot moved(std::move(slot));
    moved.release();
    moved.release();  // once only
  }
  EXPECT_EQ(limits.unallocated(), 0u);
  EXPECT_EQ(limits.admit(ip("192.0.2.1")), StreamLimits::Admission::Admitted);
}

// A connection whose allocation went counts again, if its source has room; once at most.
TEST(StreamLimits, Retake_CountsTheConnectionAgainWithinTheCap) {
  StreamLimits limits({.per_ip = 1, .total = 100});
  ASSERT_EQ(limits.admit(ip("192.0.2.1")), StreamLimits::Admission::Admitted);
  {
    StreamSlot slot(&limits, ip("192.0.2.1"));
    EXPECT_EQ(slot.retake(), StreamLimits::Admission::Admitted);  // held: nothing to do
    EXPECT_EQ(limits.unallocated(), 1u);
    slot.release();  // allocated
    EXPECT_EQ(limits.unallocated(), 0u);
    EXPECT_EQ(slot.retake(), StreamLimits::Admission::Admitted);  // Refresh 0
    EXPECT_EQ(slot.retake(), StreamLimits::Admission::Admitted);
    EXPECT_EQ(limits.unallocated(), 1u);
    slot.release();
    ASSERT_EQ(limits.admit(ip("192.0.2.1")), StreamLimits::Admission::Admitted);  // another
    EXPECT_EQ(slot.retake(), StreamLimits::Admission::SourceFull);
    EXPECT_EQ(limits.unallocated(), 1u);
  }  // the refused slot gives back nothing
  EXPECT_EQ(limits.unallocated(), 1u);
}

TEST(StreamLimits, TotalCap_RefusesEveryone) {
  StreamLimits limits({.per_ip = 0, .total = 2});
  EXPECT_EQ(limits.admit(ip("192.0.2.1")), StreamLimits::Admission::Admitted);
  EXPECT_EQ(limits.admit(ip("192.0.2.2")), StreamLimits::Admission::Admitted);
  EXPECT_EQ(limits.admit(ip("192.0.2.3")), StreamLimits::Admission::ServerFull);
  EXPECT_EQ(limits.unallocated(), 2u);
}

TEST(StreamLimits, Ipv6_CountedPerSlash64) {
  StreamLimits limits({.per_ip = 2, .total = 100});
  EXPECT_EQ(limits.admit(ip("2001:db8::1")), StreamLimits::Admission::Admitted);
  EXPECT_EQ(limits.admit(ip("2001:db8::2")), StreamLimits::Admission::Admitted);
  EXPECT_EQ(limits.admit(ip("2001:db8::3")), StreamLimits::Admission::SourceFull);
  EXPECT_EQ(limits.admit(ip("2001:db8:0:1::1")), StreamLimits::Admission::Admitted);
}

TEST(StreamLimits, ZeroCaps_AdmitAll) {
  StreamLimits limits({.per_ip = 0, .total = 0});
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(limits.admit(ip("192.0.2.1")), StreamLimits::Admission::Admitted);
  }
}

TEST(StreamLimits, AcceptFailures_LoggedOnceAMinuteWithTheirCount) {
  StreamLimits limits({});
  uint64_t count = 0;
  EXPECT_TRUE(limits.note_accept_failure(1'000'000, count));
  EXPECT_EQ(count, 1u);
  for (int i = 0; i < 500; ++i) EXPECT_FALSE(limits.note_accept_failure(1'000'000 + i, count));
  EXPECT_TRUE(limits.note_accept_failure(1'060'000, count));
  EXPECT_EQ(count, 501u);
}

}  // namespace
}  // namespace tern
