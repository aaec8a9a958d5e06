// Quotas against a real ternd: an EVEN-PORT reservation holds a place in its user's quota
// and the total until it is claimed or expires (else Allocate with R plus Refresh 0 in a
// loop held ports past --user-quota), and the startup warning when a quota is unlimited.

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>

#include "base/file_descriptor.h"
#include "base/socket_address.h"
#include "tests/support/relay_port_range.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

const TurnCredentials kBob{.username = "bob", .password = "hunter2"};
constexpr int kRangePorts = 8;
// The loops below stop at whichever comes first.
constexpr int kMaxAttempts = 20;
constexpr auto kLoopPatience = 60s;

// How many ports of `range` ternd holds on 127.0.0.1 (relay sockets and reservations are
// bound, so a test socket cannot bind them).
int ports_held(const PortRange& range) {
  int held = 0;
  for (uint32_t port = range.first; port <= range.last; ++port) {
    FileDescriptor fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    const SockAddr sa = to_sockaddr(loopback(IpVersion::V4, static_cast<uint16_t>(port)));
    if (::bind(fd.get(), sa.get(), sa.length) != 0) ++held;
  }
  return held;
}

class TurnQuotaTest : public TurnTest {
 protected:
  // ternd with `quota_flags`, bob as a second user and a relay range of its own, IPv4 only.
  // Four workers: each client's 5-tuple lands on one of them, so a claim or a user's next
  // Allocate often runs on another worker than the reservation or allocation it counts
  // against, and the shared counts must agree.
  void start_with(std::vector<std::string> quota_flags) {
    range_ = free_udp_port_range(kRangePorts);
    ASSERT_TRUE(range_) << "no " << kRangePorts << " free UDP ports";
    std::vector<std::string> extra = range_->args();
    extra.insert(extra.end(), {"--user", "bob:hunter2", "--relay-threads", "4"});
    extra.insert(extra.end(), quota_flags.begin(), quota_flags.end());
    ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false, .extra = extra}));
  }

  std::optional<TurnClient> client(TurnCredentials credentials = {}) {
    return connect(Transport::Udp, IpVersion::V4, std::move(credentials));
  }

  // The attack: Allocate with EVEN-PORT R, then Refresh 0, on one 5-tuple, until an
  // Allocate fails. Returns how many succeeded; `last` is the failed answer.
  int reserve_and_delete_loop(TurnClient& c, TurnResult& last) {
    const auto deadline = std::chrono::steady_clock::now() + kLoopPatience;
    int made = 0;
    while (made < kMaxAttempts && std::chrono::steady_clock::now() < deadline) {
      last = c.allocate({.family = Family::V4, .even_port = true});
      if (!last || !last->is_success()) break;
      ++made;
      EXPECT_TRUE(IsSuccess(c.refresh(0))) << "Refresh 0 after allocation " << made;
    }
    return made;
  }

  std::optional<PortRange> range_;
};

TEST_F(TurnQuotaTest, UserQuota_EvenPortRThenRefresh0Loop_Is486_PortsBounded_BobAllocates) {
  ASSERT_NO_FATAL_FAILURE(start_with({"--user-quota", "2"}));
  auto alice = client();
  ASSERT_TRUE(alice);
  TurnResult last = unexpected(std::string("no attempt"));
  const int made = reserve_and_delete_loop(*alice, last);
  // One Allocate with R takes both of alice's places: its allocation and its reservation.
  // After Refresh 0 the reservation still holds one, so the next R needs three.
  EXPECT_EQ(made, 1);
  EXPECT_TRUE(IsError(last, 486));
  EXPECT_LE(ports_held(*range_), 2 * 2) << "a quota of 2 places holds at most 2 ports each";
  EXPECT_EQ(ports_held(*range_), 1) << "the reserved odd port";
  auto bob = client(kBob);
  ASSERT_TRUE(bob);
  EXPECT_TRUE(IsSuccess(bob->allocate())) << "bob has a quota of his own";
}

TEST_F(TurnQuotaTest, TotalQuota_EvenPortRThenRefresh0Loop_Is486_BobGetsWhatIsLeft) {
  ASSERT_NO_FATAL_FAILURE(start_with({"--total-quota", "2"}));
  auto alice = client();
  ASSERT_TRUE(alice);
  TurnResult last = unexpected(std::string("no attempt"));
  EXPECT_EQ(reserve_and_delete_loop(*alice, last), 1);
  EXPECT_TRUE(IsError(last, 486));
  EXPECT_LE(ports_held(*range_), 2 * 2);
  auto bob = client(kBob);
  auto bob2 = client(kBob);
  ASSERT_TRUE(bob && bob2);
  EXPECT_TRUE(IsSuccess(bob->allocate())) << "one place left: alice's reservation has the other";
  EXPECT_TRUE(IsError(bob2->allocate(), 486));
}

TEST_F(TurnQuotaTest, UserQuota_ClaimedBySameUser_TakesTheReservationsPlace_NotChargedTwice) {
  ASSERT_NO_FATAL_FAILURE(start_with({"--user-quota", "2"}));
  auto rtp = client();
  auto rtcp = client();
  auto third = client();
  ASSERT_TRUE(rtp && rtcp && third);
  auto r = rtp->allocate({.family = Family::V4, .even_port = true});
  ASSERT_TRUE(IsSuccess(r));
  ASSERT_TRUE(r->reservation_token()) << *r;
  EXPECT_TRUE(IsError(third->allocate(), 486)) << "the allocation and its reservation: 2 of 2";
  EXPECT_TRUE(IsSuccess(rtcp->allocate({.reservation_token = *r->reservation_token()})))
      << "claiming reuses the reservation's place";
  EXPECT_TRUE(IsError(third->allocate(), 486)) << "still 2 of 2";
  ASSERT_TRUE(IsSuccess(rtp->refresh(0)));
  EXPECT_TRUE(IsSuccess(third->allocate())) << "1 of 2 after deleting the first";
  auto fourth = client();
  ASSERT_TRUE(fourth);
  EXPECT_TRUE(IsError(fourth->allocate(), 486));
}

TEST_F(TurnQuotaTest, UserQuota_ClaimedByAnotherUser_MovesThePlaceToTheClaimer) {
  ASSERT_NO_FATAL_FAILURE(start_with({"--user-quota", "2"}));
  auto rtp = client();
  auto alice2 = client();
  auto bob = client(kBob);
  auto bob2 = client(kBob);
  auto bob3 = client(kBob);
  ASSERT_TRUE(rtp && alice2 && bob && bob2 && bob3);
  auto r = rtp->allocate({.family = Family::V4, .even_port = true});
  ASSERT_TRUE(IsSuccess(r));
  ASSERT_TRUE(r->reservation_token()) << *r;
  EXPECT_TRUE(IsError(alice2->allocate(), 486)) << "alice: allocation and reservation";
  ASSERT_TRUE(IsSuccess(bob->allocate({.reservation_token = *r->reservation_token()})));
  EXPECT_TRUE(IsSuccess(alice2->allocate())) << "the reservation's place left alice";
  EXPECT_TRUE(IsSuccess(bob2->allocate()));
  EXPECT_TRUE(IsError(bob3->allocate(), 486)) << "bob: the claimed allocation and one more";
}

TEST_F(TurnQuotaTest, UserQuota_ClaimerWithAFullQuota_Is486_ReservationStaysForItsOwner) {
  ASSERT_NO_FATAL_FAILURE(start_with({"--user-quota", "2"}));
  auto rtp = client();
  auto rtcp = client();
  ASSERT_TRUE(rtp && rtcp);
  auto r = rtp->allocate({.family = Family::V4, .even_port = true});
  ASSERT_TRUE(IsSuccess(r));
  ASSERT_TRUE(r->reservation_token()) << *r;
  std::vector<TurnClient> bobs;
  for (int i = 0; i < 3; ++i) {
    auto b = client(kBob);
    ASSERT_TRUE(b);
    bobs.push_back(std::move(*b));
  }
  ASSERT_TRUE(IsSuccess(bobs[0].allocate()));
  ASSERT_TRUE(IsSuccess(bobs[1].allocate()));
  EXPECT_TRUE(IsError(bobs[2].allocate({.reservation_token = *r->reservation_token()}), 486));
  EXPECT_TRUE(IsSuccess(rtcp->allocate({.reservation_token = *r->reservation_token()})));
}

TEST_F(TurnQuotaTest, TotalQuota_Claim_TakesTheReservationsPlace_NotChargedTwice) {
  ASSERT_NO_FATAL_FAILURE(start_with({"--total-quota", "2"}));
  auto rtp = client();
  auto bob = client(kBob);
  auto bob2 = client(kBob);
  ASSERT_TRUE(rtp && bob && bob2);
  auto r = rtp->allocate({.family = Family::V4, .even_port = true});
  ASSERT_TRUE(IsSuccess(r));
  ASSERT_TRUE(r->reservation_token()) << *r;
  EXPECT_TRUE(IsError(bob->allocate(), 486)) << "alice's allocation and reservation: 2 of 2";
  EXPECT_TRUE(IsSuccess(bob->allocate({.reservation_token = *r->reservation_token()})));
  EXPECT_TRUE(IsError(bob2->allocate(), 486)) << "still 2 of 2";
  ASSERT_TRUE(IsSuccess(rtp->refresh(0)));
  EXPECT_TRUE(IsSuccess(bob2->allocate()));
}

// RFC 8656 §7.2 holds a reservation "for at least 30 seconds"; ternd gives it back on its
// once-a-second tick after that, so this test waits about 31 s.
TEST_F(TurnQuotaTest, UserQuota_ReservationExpired_GivesItsPlaceBack) {
  ASSERT_NO_FATAL_FAILURE(start_with({"--user-quota", "2"}));
  auto alice = client();
  ASSERT_TRUE(alice);
  TurnResult last = unexpected(std::string("no attempt"));
  ASSERT_EQ(reserve_and_delete_loop(*alice, last), 1);
  ASSERT_TRUE(IsError(last, 486));
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + 60s;
  for (int attempt = 0; attempt < 120 && std::chrono::steady_clock::now() < deadline; ++attempt) {
    last = alice->allocate({.family = Family::V4, .even_port = true});
    if (!last || !IsError(last, 486)) break;
    std::this_thread::sleep_for(500ms);
  }
  EXPECT_TRUE(IsSuccess(last)) << "the expired reservation's place came back";
  EXPECT_GE(std::chrono::steady_clock::now() - start, 25s) << "not before the reservation ended";
}

TEST_F(TurnQuotaTest, StartedWithoutQuotas_LogsOneWarningWithTheRecommendedValues) {
  ASSERT_NO_FATAL_FAILURE(start_with({}));
  const std::string log = ternd().log();
  const auto warning = log.find("user-quota and total-quota are unlimited");
  ASSERT_NE(warning, std::string::npos) << log;
  const auto line_start = log.rfind('\n', warning) + 1;  // npos + 1 == 0 on the first line
  EXPECT_NE(log.substr(line_start, warning - line_start).find("WARNING"), std::string::npos) << log;
  EXPECT_NE(log.find("user-quota=10 to 20"), std::string::npos) << log;
  EXPECT_NE(log.find("total-quota=" + std::to_string(kRangePorts) + " at most"), std::string::npos)
      << "the relay ports of this server:\n"
      << log;
  EXPECT_EQ(log.find("is unlimited"), std::string::npos) << "one line, not one per quota\n" << log;
}

TEST_F(TurnQuotaTest, StartedWithOneQuota_WarnsAboutTheOther) {
  ASSERT_NO_FATAL_FAILURE(start_with({"--user-quota", "10"}));
  const std::string log = ternd().log();
  EXPECT_NE(log.find("total-quota is unlimited"), std::string::npos) << log;
  EXPECT_EQ(log.find("user-quota is unlimited"), std::string::npos) << log;
}

TEST_F(TurnQuotaTest, StartedWithBothQuotas_NoWarning) {
  ASSERT_NO_FATAL_FAILURE(start_with({"--user-quota", "10", "--total-quota", "8"}));
  const std::string log = ternd().log();
  EXPECT_EQ(log.find("unlimited"), std::string::npos) << log;
}

}  // namespace
}  // namespace tern::test
