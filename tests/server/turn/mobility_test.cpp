// RFC 8016 mobility through handle_allocate and handle_refresh: the ticket an Allocate
// asks for, the Refresh from a new address that moves the allocation, and every refusal.

#include <deque>
#include <functional>
#include <utility>

#include "server/turn/turn_context.h"
#include "server/turn/turn_peers.h"
#include "tests/server/turn/turn_core_test.h"

namespace tern::test {
namespace {

using Bytes = std::vector<uint8_t>;

std::optional<Bytes> ticket_of(std::span<const uint8_t> response) {
  auto m = stun::MessageView::parse(response);
  if (!m) return std::nullopt;
  auto t = m->find(stun::attr::MobilityTicket);
  if (!t) return std::nullopt;
  return Bytes(t->value.begin(), t->value.end());
}

class MobilityTest : public TurnCoreTest {
 protected:
  void SetUp() override { SetUpCore({.mobility = true}); }

  Bytes allocate_mobile(uint32_t lifetime = 0) {
    auto r = send(stun::Method::Allocate, [&](stun::MessageBuilder& b) {
      stun::RequestedTransport{}.add_to(b);
      if (lifetime) stun::Lifetime{lifetime}.add_to(b);
      b.add_empty(stun::attr::MobilityTicket);
    });
    EXPECT_EQ(code_of(r), 0);
    return ticket_of(r).value_or(Bytes{});
  }
  // A client on a new address (the phone that left the Wi-Fi).
  UdpPeer moved() {
    auto c = UdpPeer::open(v4_loopback());
    EXPECT_TRUE(c) << c.error();
    return std::move(*c);
  }
  RequestContext ctx_of(const UdpPeer& c) const {
    return core_->context(c.address(), server_->address, server_->fd.get());
  }
  // A Refresh with `ticket`, signed by `user` with `key` (the fixture's own user and key
  // when empty).
  CoreRequest refresh_request(const Bytes& ticket, std::optional<uint32_t> lifetime,
                              const std::string& user, const std::optional<auth::Key>& key) {
    auto req = core_->request(stun::Method::Refresh, [&](stun::MessageBuilder& b) {
      if (lifetime) stun::Lifetime{*lifetime}.add_to(b);
      b.add(stun::attr::MobilityTicket, std::span<const uint8_t>(ticket));
    });
    if (!user.empty()) req.auth.username = user;
    if (key) req.auth.key = *key;
    return req;
  }
  // That Refresh from `from`, answered by the core.
  Bytes refresh_with(const Bytes& ticket, const UdpPeer& from,
                     std::optional<uint32_t> lifetime = {}, std::string user = {},
                     std::optional<auth::Key> key = {}) {
    return core_->handle(refresh_request(ticket, lifetime, user, key), ctx_of(from));
  }
};

TEST_F(MobilityTest, Allocate_EmptyTicket_GetsATicket) {
  EXPECT_EQ(allocate_mobile().size(), MobilityTickets::kSize);
}

TEST_F(MobilityTest, Allocate_WithoutTicket_GetsNone) {
  EXPECT_EQ(ticket_of(allocate()), std::nullopt);
}

TEST_F(MobilityTest, Allocate_NonEmptyTicket_Is400) {
  auto r = send(stun::Method::Allocate, [&](stun::MessageBuilder& b) {
    stun::RequestedTransport{}.add_to(b);
    b.add(stun::attr::MobilityTicket, std::string_view("abcd"));
  });
  EXPECT_EQ(code_of(r), 400);
  EXPECT_EQ(core().table().size(), 0u);
}

TEST_F(MobilityTest, MobilityOff_AllocateWithTicket_Is405) {
  SetUpCore({});
  auto r = send(stun::Method::Allocate, [&](stun::MessageBuilder& b) {
    stun::RequestedTransport{}.add_to(b);
    b.add_empty(stun::attr::MobilityTicket);
  });
  EXPECT_EQ(code_of(r), 405);
}

TEST_F(MobilityTest, Refresh_FromNewAddress_MovesTheAllocationAndItsRelaying) {
  const Bytes ticket = allocate_mobile();
  auto p = peer();
  ASSERT_EQ(code_of(permit(p.address())), 0);
  const TransportAddress relayed =
      core().table().find(FiveTuple::of(ctx()), core().clock_ms())->relays()[0]->address();
  UdpPeer phone = moved();
  auto r = refresh_with(ticket, phone, 600);
  ASSERT_EQ(code_of(r), 0);
  EXPECT_EQ(lifetime_of(r), 600u);
  EXPECT_EQ(ticket_of(r).value_or(Bytes{}).size(), MobilityTickets::kSize);  // a fresh one
  EXPECT_EQ(core().table().size(), 1u);
  // The old 5-tuple is no longer the allocation's...
  EXPECT_EQ(code_of(refresh(600)), 437);
  // ...and what the peer sends reaches the client at its new address, permission kept.
  const Bytes hello{'h', 'i'};
  ASSERT_TRUE(p.send_to(relayed, hello));
  const std::optional<Datagram> got = received_by(phone, Millis(5000));
  ASSERT_TRUE(got) << "the peer's datagram did not reach the moved client";
  EXPECT_EQ(got->from, server_->address);
  EXPECT_FALSE(client_->receive(Millis(50))) << "the old address still gets the relayed data";
}

TEST_F(MobilityTest, Refresh_FromNewAddressWithoutTicket_Is437) {
  allocate_mobile();
  UdpPeer phone = moved();
  auto r = core().handle(core().request(stun::Method::Refresh, [](stun::MessageBuilder&) {}),
                         ctx_of(phone));
  EXPECT_EQ(code_of(r), 437);
}

TEST_F(MobilityTest, AnotherUsersRequest_CannotTakeTheAllocationOver) {
  const Bytes ticket = allocate_mobile();
  auto mallory_key = *auth::derive_key(auth::PasswordAlgorithm::Md5, "mallory", kCoreRealm, "pw");
  UdpPeer thief = moved();
  EXPECT_EQ(code_of(refresh_with(ticket, thief, 600, "mallory", mallory_key)), 441);
  // Still the owner's, where it was.
  EXPECT_EQ(code_of(refresh(600)), 0);
  EXPECT_EQ(code_of(refresh_with(ticket, thief)), 0);  // the owner can move it there
}

TEST_F(MobilityTest, SameUserWithAnotherKey_IsRefused441) {
  // Same name, another realm (or password): not the credentials that made it.
  const Bytes ticket = allocate_mobile();
  auto other =
      *auth::derive_key(auth::PasswordAlgorithm::Md5, kCoreUser, "other.realm", kCorePassword);
  UdpPeer phone = moved();
  EXPECT_EQ(code_of(refresh_with(ticket, phone, 600, std::string(kCoreUser), other)), 441);
  EXPECT_EQ(code_of(refresh(600)), 0);
}

TEST_F(MobilityTest, ForgedOrTruncatedTicket_Is400) {
  Bytes ticket = allocate_mobile();
  UdpPeer phone = moved();
  Bytes forged = ticket;
  forged[8] ^= 1;  // another allocation's sequence, same tag
  EXPECT_EQ(code_of(refresh_with(forged, phone)), 400);
  Bytes short_one(ticket.begin(), ticket.end() - 1);
  EXPECT_EQ(code_of(refresh_with(short_one, phone)), 400);
  // One made with another secret (another ternd, or before a restart).
  std::array<uint8_t, 32> secret{};
  const MobilityTickets elsewhere{secret};
  const auto* a = core().table().find(FiveTuple::of(ctx()), core().clock_ms());
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(code_of(refresh_with(elsewhere.issue(0, a->id().sequence, core().clock_ms() + 600'000),
                                 phone)),
            400);
  EXPECT_EQ(code_of(refresh(600)), 0);  // still where it was
}

TEST_F(MobilityTest, ExpiredTicket_Is400_TheFreshOneMoves) {
  const Bytes first = allocate_mobile(600);
  auto r = refresh(3600);
  ASSERT_EQ(code_of(r), 0);
  const Bytes fresh = ticket_of(r).value_or(Bytes{});
  core().advance_ms(700'000);  // past the first ticket's lifetime, inside the allocation's
  UdpPeer phone = moved();
  EXPECT_EQ(code_of(refresh_with(first, phone)), 400);
  EXPECT_EQ(code_of(refresh_with(fresh, phone)), 0);
}

TEST_F(MobilityTest, TicketOfAnotherWorker_Is437) {
  allocate_mobile();
  const auto* a = core().table().find(FiveTuple::of(ctx()), core().clock_ms());
  ASSERT_NE(a, nullptr);
  const Bytes other =
      core().shared().mobility_tickets.issue(7, a->id().sequence, core().clock_ms() + 600'000);
  UdpPeer phone = moved();
  EXPECT_EQ(code_of(refresh_with(other, phone)), 437);
}

TEST_F(MobilityTest, Resumes_CountOnce_AndCannotChainPastTheQuota) {
  SetUpCore({.user_quota = 1, .mobility = true});
  const Bytes ticket = allocate_mobile();
  UdpPeer phone = moved();
  ASSERT_EQ(code_of(refresh_with(ticket, phone)), 0);
  // The old address is free of the allocation, but the user's one place is taken.
  EXPECT_EQ(code_of(allocate()), 486);
  // Moving on again (the same ticket, a third address) is still the one allocation.
  UdpPeer again = moved();
  ASSERT_EQ(code_of(refresh_with(ticket, again)), 0);
  EXPECT_EQ(core().table().size(), 1u);
  EXPECT_EQ(code_of(allocate()), 486);
  // Deleting it from where it is now gives the place back.
  ASSERT_EQ(code_of(refresh_with(ticket, again, 0)), 0);
  EXPECT_EQ(core().table().size(), 0u);
  EXPECT_EQ(code_of(allocate()), 0);
}

TEST_F(MobilityTest, MobilityOff_RefreshWithTicket_Is405) {
  SetUpCore({});
  ASSERT_EQ(code_of(allocate()), 0);
  UdpPeer phone = moved();
  EXPECT_EQ(code_of(refresh_with(Bytes(MobilityTickets::kSize, 0), phone)), 405);
}

// Two workers on one thread: the core's table is worker 0's, `second_` worker 1's, and
// what one posts to the other waits in `tasks` until the test runs it, so each step of a
// move between workers (and what happens between them) is the test's to order.
class QueuedPeers final : public TurnPeers {
 public:
  bool post(unsigned worker, std::function<void(TurnContext&)> task) override {
    if (worker >= workers.size() || gone == worker) return false;
    tasks.emplace_back(worker, std::move(task));
    return true;
  }
  // Runs the oldest task; false when there is none.
  bool run_one() {
    if (tasks.empty()) return false;
    auto [worker, task] = std::move(tasks.front());
    tasks.pop_front();
    task(*workers[worker]);
    return true;
  }

  std::vector<TurnContext*> workers;
  std::optional<unsigned> gone;  // a worker whose queue refuses tasks: it is shutting down
  std::deque<std::pair<unsigned, std::function<void(TurnContext&)>>> tasks;
};

class MobilityAcrossWorkersTest : public MobilityTest {
 protected:
  void SetUp() override { SetUpWorkers({.mobility = true}); }
  void SetUpWorkers(TurnCoreOptions o) {
    second_ctx_.reset();
    second_.reset();
    ASSERT_NO_FATAL_FAILURE(SetUpCore(o));
    // Its sequence starts where worker 0's does: the tickets' handles must still tell
    // the allocations apart.
    second_ = std::make_unique<AllocationTable>(core().shared().quotas, core().counters(), 1);
    second_ctx_ = std::make_unique<TurnContext>(TurnContext{
        core().shared(), *second_, core().ctx().io, core().counters(), core().policy(), &peers_});
    core().ctx().peers = &peers_;
    peers_.workers = {&core().ctx(), second_ctx_.get()};
  }
  void TearDown() override {
    peers_.tasks.clear();
    second_ctx_.reset();
    second_.reset();
  }

  // A Refresh with `ticket` from `from` that reaches worker 1; what it answers at once
  // (nothing when it asked worker 0).
  Bytes refresh_on_second(const Bytes& ticket, const UdpPeer& from,
                          std::optional<uint32_t> lifetime = 600, std::string user = {},
                          std::optional<auth::Key> key = {}) {
    const CoreRequest req = refresh_request(ticket, lifetime, user, key);
    auto m = stun::MessageView::parse(req.bytes);
    EXPECT_TRUE(m);
    Bytes out(1500);
    const RequestContext c = ctx_of(from);
    const size_t n = handle_refresh(*second_ctx_, TurnRequest{*m, c, req.auth, out});
    out.resize(n);
    return out;
  }
  // Runs the queued tasks, then what they answered to `client`.
  Bytes answered(UdpPeer& client) {
    for (int i = 0; i < 16 && peers_.run_one(); ++i) {
    }
    core().poll();
    auto d = client.receive(Millis(2000));
    return d ? Bytes(d->data.begin(), d->data.end()) : Bytes{};
  }

  QueuedPeers peers_;
  std::unique_ptr<AllocationTable> second_;
  std::unique_ptr<TurnContext> second_ctx_;
};

TEST_F(MobilityAcrossWorkersTest, RefreshOnAnotherWorker_MovesTheAllocationThere) {
  const Bytes ticket = allocate_mobile();
  auto p = peer();
  ASSERT_EQ(code_of(permit(p.address())), 0);
  ASSERT_EQ(code_of(bind(0x4001, p.address())), 0);
  const Allocation* before = core().table().find(FiveTuple::of(ctx()), core().clock_ms());
  ASSERT_NE(before, nullptr);
  const AllocationId id = before->id();
  const TransportAddress relayed = before->relays()[0]->address();
  UdpPeer phone = moved();
  EXPECT_TRUE(refresh_on_second(ticket, phone).empty()) << "answered before the move";
  EXPECT_EQ(peers_.tasks.size(), 1u);
  const Bytes r = answered(phone);
  ASSERT_EQ(code_of(r), 0);
  EXPECT_EQ(lifetime_of(r), 600u);
  const Bytes fresh = ticket_of(r).value_or(Bytes{});
  EXPECT_EQ(fresh.size(), MobilityTickets::kSize);
  EXPECT_EQ(core().table().size(), 0u);
  ASSERT_EQ(second_->size(), 1u);
  const Allocation* a = second_->find(FiveTuple::of(ctx_of(phone)), core().clock_ms());
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->id(), id);  // the same session
  EXPECT_EQ(a->relays()[0]->address(), relayed);
  EXPECT_NE(a->channel_by_number(0x4001, core().clock_ms()), nullptr);
  // The peer's data reaches the moved client on its channel.
  const Bytes hello{'h', 'i'};
  ASSERT_TRUE(p.send_to(relayed, hello));
  const std::optional<Datagram> got = received_by(phone, Millis(5000));
  ASSERT_TRUE(got) << "the peer's datagram did not reach the moved client";
  EXPECT_EQ(got->data.size(), 4u + hello.size());  // ChannelData
  // The fresh ticket names worker 1: from an address of worker 0 it moves back.
  UdpPeer back = moved();
  EXPECT_TRUE(refresh_with(fresh, back, 600).empty());
  EXPECT_EQ(code_of(answered(back)), 0);
  EXPECT_EQ(second_->size(), 0u);
  EXPECT_EQ(core().table().size(), 1u);
}

TEST_F(MobilityAcrossWorkersTest, AnotherUsersTicketOnAnotherWorker_Is441_AllocationStays) {
  const Bytes ticket = allocate_mobile();
  auto mallory_key = *auth::derive_key(auth::PasswordAlgorithm::Md5, "mallory", kCoreRealm, "pw");
  UdpPeer thief = moved();
  EXPECT_TRUE(refresh_on_second(ticket, thief, 600, "mallory", mallory_key).empty());
  EXPECT_EQ(code_of(answered(thief)), 441);
  EXPECT_EQ(core().table().size(), 1u);
  EXPECT_EQ(second_->size(), 0u);
  EXPECT_EQ(code_of(refresh(600)), 0);
}

// The asking worker shuts down between its ask and the handover: the allocation, already
// released, is taken back where it was, still filed under its old address and relaying.
TEST_F(MobilityAcrossWorkersTest, AskerShutsDownMeanwhile_TheAllocationStaysWhereItWas) {
  const Bytes ticket = allocate_mobile();
  auto p = peer();
  ASSERT_EQ(code_of(permit(p.address())), 0);
  const Allocation* before = core().table().find(FiveTuple::of(ctx()), core().clock_ms());
  ASSERT_NE(before, nullptr);
  const AllocationId id = before->id();
  const TransportAddress relayed = before->relays()[0]->address();
  UdpPeer phone = moved();
  EXPECT_TRUE(refresh_on_second(ticket, phone).empty());
  peers_.gone = 1;
  EXPECT_TRUE(peers_.run_one());  // the holder's hand_over, whose answer cannot be posted
  EXPECT_TRUE(peers_.tasks.empty());
  EXPECT_EQ(second_->size(), 0u);
  const Allocation* a = core().table().find(FiveTuple::of(ctx()), core().clock_ms());
  ASSERT_NE(a, nullptr) << "not back under its old address";
  EXPECT_EQ(a->id(), id);
  EXPECT_EQ(code_of(refresh(600)), 0);
  ASSERT_TRUE(p.send_to(relayed, Bytes{'h', 'i'}));
  EXPECT_TRUE(to_client(Millis(5000))) << "the peer's data no longer reaches it";
}

TEST_F(MobilityAcrossWorkersTest, DeletedBeforeTheAskArrives_Is437) {
  const Bytes ticket = allocate_mobile();
  UdpPeer phone = moved();
  EXPECT_TRUE(refresh_on_second(ticket, phone).empty());
  ASSERT_EQ(code_of(refresh(0)), 0);  // the holder deletes it while the ask is queued
  EXPECT_EQ(code_of(answered(phone)), 437);
  EXPECT_EQ(second_->size(), 0u);
}

TEST_F(MobilityAcrossWorkersTest, ExpiredBeforeTheAskArrives_Is437) {
  const Bytes ticket = allocate_mobile(600);
  UdpPeer phone = moved();
  EXPECT_TRUE(refresh_on_second(ticket, phone).empty());
  core().advance_ms(601'000);
  EXPECT_EQ(code_of(answered(phone)), 437);
  EXPECT_EQ(core().table().size() + second_->size(), 0u);
}

TEST_F(MobilityAcrossWorkersTest, ExpiredOnTheWay_Is437_AndGivesItsQuotaPlaceBack) {
  ASSERT_NO_FATAL_FAILURE(SetUpWorkers({.user_quota = 1, .mobility = true}));
  const Bytes ticket = allocate_mobile(600);
  UdpPeer phone = moved();
  EXPECT_TRUE(refresh_on_second(ticket, phone).empty());
  ASSERT_TRUE(peers_.run_one());  // worker 0 hands it over...
  EXPECT_EQ(core().table().size(), 0u);
  core().advance_ms(601'000);  // ...and it lapses before worker 1 takes it in
  EXPECT_EQ(code_of(answered(phone)), 437);
  EXPECT_EQ(second_->size(), 0u);
  EXPECT_EQ(code_of(allocate()), 0) << "the quota place was not given back";
}

TEST_F(MobilityAcrossWorkersTest, TicketOfAWorkerThatDoesNotExist_Is437) {
  allocate_mobile();
  const auto* a = core().table().find(FiveTuple::of(ctx()), core().clock_ms());
  ASSERT_NE(a, nullptr);
  const Bytes other =
      core().shared().mobility_tickets.issue(7, a->mobility_handle(), core().clock_ms() + 600'000);
  UdpPeer phone = moved();
  EXPECT_EQ(code_of(refresh_with(other, phone)), 437);
}

}  // namespace
}  // namespace tern::test
