// Allocate (RFC 8656 §7.2) through handle_allocate, without a process: one test per
// numbered step of the server's processing, then the success response.

#include "server/turn/turn_context.h"
#include "tests/server/turn/turn_core_test.h"

namespace tern::test {
namespace {

using AllocateTest = TurnCoreTest;

TEST_F(AllocateTest, Step2_SecondAllocateOnSameFiveTuple_Is437) {
  ASSERT_EQ(code_of(allocate()), 0);
  EXPECT_EQ(code_of(allocate()), 437);
}

TEST_F(AllocateTest, Step2_RetransmittedAllocate_GetsTheSameSuccessAgain) {
  auto request = core().request(stun::Method::Allocate, [](stun::MessageBuilder& b) {
    stun::RequestedTransport{}.add_to(b);
  });
  auto first = core().handle(request, ctx());
  ASSERT_EQ(code_of(first), 0);
  EXPECT_EQ(core().handle(request, ctx()), first);
  EXPECT_EQ(core().table().size(), 1u);
}

TEST_F(AllocateTest, Step3_NoRequestedTransport_Is400) {
  EXPECT_EQ(code_of(send(stun::Method::Allocate, [](stun::MessageBuilder&) {})), 400);
  EXPECT_EQ(core().table().size(), 0u);
}

TEST_F(AllocateTest, Step3_RequestedTransportSctp_Is442) {
  auto r = send(stun::Method::Allocate,
                [](stun::MessageBuilder& b) { stun::RequestedTransport{132}.add_to(b); });
  EXPECT_EQ(code_of(r), 442);
}

// RFC 6062 §5.1: a TCP relay is for TCP and TLS clients only.
TEST_F(AllocateTest, Step3_RequestedTransportTcp_OverUdp_Is400) {
  auto r = send(stun::Method::Allocate, [](stun::MessageBuilder& b) {
    stun::RequestedTransport{stun::RequestedTransport::kTcp}.add_to(b);
  });
  EXPECT_EQ(code_of(r), 400);
}

TEST_F(AllocateTest, Step4_DontFragment_IsHonoured) {
  auto r = send(stun::Method::Allocate, [](stun::MessageBuilder& b) {
    stun::RequestedTransport{}.add_to(b);
    stun::DontFragment{}.add_to(b);
  });
  EXPECT_EQ(code_of(r), 0);
}

TEST_F(AllocateTest, Step5_ReservationTokenWithEvenPort_Is400) {
  auto r = send(stun::Method::Allocate, [](stun::MessageBuilder& b) {
    stun::RequestedTransport{}.add_to(b);
    stun::ReservationToken{{1, 2, 3, 4, 5, 6, 7, 8}}.add_to(b);
    stun::EvenPort{}.add_to(b);
  });
  EXPECT_EQ(code_of(r), 400);
}

TEST_F(AllocateTest, Step5_UnknownReservationToken_Is508) {
  auto r = send(stun::Method::Allocate, [](stun::MessageBuilder& b) {
    stun::RequestedTransport{}.add_to(b);
    stun::ReservationToken{{1, 2, 3, 4, 5, 6, 7, 8}}.add_to(b);
  });
  EXPECT_EQ(code_of(r), 508);
}

TEST_F(AllocateTest, Step6_EvenPortWithR_GivesEvenPortAndToken) {
  auto r = send(stun::Method::Allocate, [](stun::MessageBuilder& b) {
    stun::RequestedTransport{}.add_to(b);
    stun::EvenPort{.reserve_next = true}.add_to(b);
  });
  ASSERT_EQ(code_of(r), 0);
  auto relayed = relayed_of(r);
  ASSERT_TRUE(relayed);
  EXPECT_EQ(relayed->port % 2, 0);
  auto m = stun::MessageView::parse(r);
  ASSERT_TRUE(m);
  EXPECT_TRUE(stun::ReservationToken::get_from(*m));
}

TEST_F(AllocateTest, Step7_RequestedAndAdditionalFamily_Is400) {
  auto r = send(stun::Method::Allocate, [](stun::MessageBuilder& b) {
    stun::RequestedTransport{}.add_to(b);
    stun::RequestedAddressFamily{Family::V4}.add_to(b);
    stun::AdditionalAddressFamily{Family::V6}.add_to(b);
  });
  EXPECT_EQ(code_of(r), 400);
}

TEST_F(AllocateTest, Step7_FamilyWithoutRelayIp_Is440) {
  SetUpCore({.relay_ips = {"127.0.0.1"}});
  auto r = send(stun::Method::Allocate, [](stun::MessageBuilder& b) {
    stun::RequestedTransport{}.add_to(b);
    stun::RequestedAddressFamily{Family::V6}.add_to(b);
  });
  EXPECT_EQ(code_of(r), 440);
}

TEST_F(AllocateTest, Step8_LifetimeAboveMaximum_IsCutToMaximum) {
  auto r = allocate(100000);
  ASSERT_EQ(code_of(r), 0);
  EXPECT_EQ(lifetime_of(r), core().shared().settings.max_lifetime_s);
}

TEST_F(AllocateTest, Step9_UserQuotaReached_Is486) {
  SetUpCore({.user_quota = 1});
  ASSERT_EQ(code_of(allocate()), 0);
  auto other = UdpPeer::open(v4_loopback());
  ASSERT_TRUE(other);
  auto c = core().context(other->address(), server_->address, server_->fd.get());
  auto r = core().handle(
      core().request(stun::Method::Allocate,
                     [](stun::MessageBuilder& b) { stun::RequestedTransport{}.add_to(b); }),
      c);
  EXPECT_EQ(code_of(r), 486);
}

TEST_F(AllocateTest, Success_RelayedAddressInRangeAndMappedAddressIsClient) {
  auto r = allocate();
  ASSERT_EQ(code_of(r), 0);
  auto relayed = relayed_of(r);
  ASSERT_TRUE(relayed);
  EXPECT_GE(relayed->port, ports_->first);
  EXPECT_LE(relayed->port, ports_->last);
  auto m = stun::MessageView::parse(r);
  ASSERT_TRUE(m);
  auto mapped = stun::XorMappedAddress::get_from(*m);
  ASSERT_TRUE(mapped);
  EXPECT_EQ(mapped->address, client_->address());
  EXPECT_EQ(lifetime_of(r), core().shared().settings.default_lifetime_s);
}

TEST_F(AllocateTest, Success_AllocationExpiresOnTheFakeClock) {
  ASSERT_EQ(code_of(allocate(600)), 0);
  core().advance_ms(599'000);
  EXPECT_NE(core().table().find(FiveTuple::of(ctx()), core().clock_ms()), nullptr);
  core().advance_ms(2'000);
  EXPECT_EQ(core().table().find(FiveTuple::of(ctx()), core().clock_ms()), nullptr);
  EXPECT_EQ(code_of(allocate()), 0);  // the 5-tuple is free again
}

}  // namespace
}  // namespace tern::test
