// RFC 8016 mobility against a real ternd: a client that moves to a new source port keeps
// its allocation with the MOBILITY-TICKET it was given, and relaying follows it; another
// user, a forged ticket and a resume past the quota are refused; without --mobility a
// ticket is 405.

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "protocol/turn_attributes.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

// One worker: a new source port may hash to another worker's socket, which cannot take
// the allocation over (README, mobility).
const std::vector<std::string> kMobile = {"--mobility", "--relay-threads", "1", "--user",
                                          "mallory:mpass"};

std::optional<Bytes> ticket_of(const TurnResult& r) {
  if (!r) return std::nullopt;
  auto m = r->view();
  auto t = m.find(stun::attr::MobilityTicket);
  if (!t) return std::nullopt;
  return Bytes(t->value.begin(), t->value.end());
}

class TurnMobilityTest : public TurnTest {
 protected:
  // A UDP client with a mobile allocation; its ticket in `ticket`.
  std::optional<TurnClient> mobile(Bytes& ticket) {
    auto c = connect(Transport::Udp, IpVersion::V4);
    if (!c) return std::nullopt;
    const Body base = allocate_body({});
    auto r = c->request(stun::Method::Allocate, [&](stun::MessageBuilder& b) {
      base(b);
      b.add_empty(stun::attr::MobilityTicket);
    });
    EXPECT_TRUE(IsSuccess(r));
    if (!r || !r->is_success()) return std::nullopt;
    relayed_ = r->relayed().at(0);
    ticket = ticket_of(r).value_or(Bytes{});
    return c;
  }
  TurnResult refresh_with(TurnClient& c, const Bytes& ticket, uint32_t lifetime = 600) {
    return c.request(stun::Method::Refresh, [&](stun::MessageBuilder& b) {
      stun::Lifetime{lifetime}.add_to(b);
      b.add(stun::attr::MobilityTicket, std::span<const uint8_t>(ticket));
    });
  }

  TransportAddress relayed_;
};

TEST_F(TurnMobilityTest, NewSourcePort_RefreshWithTicket_KeepsTheAllocationAndItsRelaying) {
  ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false, .extra = kMobile}));
  Bytes ticket;
  auto c = mobile(ticket);
  ASSERT_TRUE(c);
  ASSERT_FALSE(ticket.empty()) << "no MOBILITY-TICKET in the Allocate answer";
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(p);
  ASSERT_TRUE(IsSuccess(c->create_permission({p->address()})));

  // The same user from a new source port: the phone moved.
  auto moved = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(moved);
  auto r = refresh_with(*moved, ticket);
  ASSERT_TRUE(IsSuccess(r));
  EXPECT_EQ(r->lifetime(), 600u);
  EXPECT_TRUE(ticket_of(r).has_value()) << "a Refresh answer carries a fresh ticket";
  // The old 5-tuple lost it; the new one has it, with its permission.
  EXPECT_TRUE(IsError(c->refresh(600), 437));
  ASSERT_TRUE(p->send_to(relayed_, payload("after the move")));
  auto got = moved->receive_data();
  ASSERT_TRUE(got) << to_string(got.error()) << ternd().diagnostics();
  EXPECT_EQ(text_of(got->data), "after the move");
  EXPECT_TRUE(IsSuccess(moved->create_permission({p->address()})));
  EXPECT_NE(ternd().log().find("allocation moved"), std::string::npos) << ternd().log();
}

TEST_F(TurnMobilityTest, AnotherUsersRefreshWithTheTicket_Is441_NoTakeover) {
  ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false, .extra = kMobile}));
  Bytes ticket;
  auto alice = mobile(ticket);
  ASSERT_TRUE(alice);
  auto mallory =
      connect(Transport::Udp, IpVersion::V4, {.username = "mallory", .password = "mpass"});
  ASSERT_TRUE(mallory);
  EXPECT_TRUE(IsError(refresh_with(*mallory, ticket), 441));
  EXPECT_TRUE(IsSuccess(alice->refresh(600))) << "the allocation left its owner";
}

TEST_F(TurnMobilityTest, ForgedTicket_Is400) {
  ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false, .extra = kMobile}));
  Bytes ticket;
  auto c = mobile(ticket);
  ASSERT_TRUE(c);
  ASSERT_EQ(ticket.size(), 32u);
  Bytes forged = ticket;
  forged[3] = forged[3] == 'A' ? 'B' : 'A';
  auto moved = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(moved);
  EXPECT_TRUE(IsError(refresh_with(*moved, forged), 400));
  EXPECT_TRUE(IsSuccess(c->refresh(600)));
}

TEST_F(TurnMobilityTest, MovedAllocation_StillTakesTheUsersQuotaPlace) {
  std::vector<std::string> extra = kMobile;
  extra.insert(extra.end(), {"--user-quota", "1"});
  ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false, .extra = extra}));
  Bytes ticket;
  auto c = mobile(ticket);
  ASSERT_TRUE(c);
  auto moved = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(moved);
  ASSERT_TRUE(IsSuccess(refresh_with(*moved, ticket)));
  // The old address is free, the user's one place is not.
  EXPECT_TRUE(IsError(c->allocate(), 486));
}

TEST_F(TurnMobilityTest, WithoutMobility_TicketIs405) {
  ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false}));
  auto c = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  const Body base = allocate_body({});
  auto r = c->request(stun::Method::Allocate, [&](stun::MessageBuilder& b) {
    base(b);
    b.add_empty(stun::attr::MobilityTicket);
  });
  EXPECT_TRUE(IsError(r, 405));
}

}  // namespace
}  // namespace tern::test
