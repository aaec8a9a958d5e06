// RFC 8016 mobility against a real ternd: a client that moves to a new source port keeps
// its allocation with the MOBILITY-TICKET it was given, and relaying follows it; another
// user, a forged ticket and a resume past the quota are refused; without --mobility a
// ticket is 405. With several workers the move takes the allocation to whichever worker
// the new address reaches (the admin API's sessions say which: the holder, which the
// allocation's id, naming the worker that made it, no longer tells).

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "base/json_value.h"
#include "protocol/turn_attributes.h"
#include "tests/support/admin_socket.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

// One worker: every move stays on it (the moves between workers have their tests below).
const std::vector<std::string> kMobile = {"--mobility", "--relay-threads", "1", "--user",
                                          "mallory:mpass"};
constexpr uint16_t kChannel = 0x4000;
const TurnCredentials kMallory = {.username = "mallory", .password = "mpass"};

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
    auto r = allocate_mobile(*c);
    EXPECT_TRUE(IsSuccess(r));
    if (!r || !r->is_success()) return std::nullopt;
    relayed_ = r->relayed().at(0);
    ticket = ticket_of(r).value_or(Bytes{});
    return c;
  }
  // An Allocate from `c` that asks for a MOBILITY-TICKET.
  TurnResult allocate_mobile(TurnClient& c) {
    const Body base = allocate_body({});
    return c.request(stun::Method::Allocate, [&](stun::MessageBuilder& b) {
      base(b);
      b.add_empty(stun::attr::MobilityTicket);
    });
  }
  Body refresh_body(const Bytes& ticket, uint32_t lifetime = 600) {
    return [ticket, lifetime](stun::MessageBuilder& b) {
      stun::Lifetime{lifetime}.add_to(b);
      b.add(stun::attr::MobilityTicket, std::span<const uint8_t>(ticket));
    };
  }
  TurnResult refresh_with(TurnClient& c, const Bytes& ticket, uint32_t lifetime = 600) {
    return c.request(stun::Method::Refresh, refresh_body(ticket, lifetime));
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

namespace tern::test {
namespace {

// Four workers, the admin API on a unix socket (no port to race for) to see which one holds
// an allocation.
class TurnMobilityAcrossWorkersTest : public TurnMobilityTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(start_workers(4)); }
  void start_workers(int workers, std::vector<std::string> env = {}) {
    ASSERT_NO_FATAL_FAILURE(
        start({.ipv6_relay = false,
               .extra = admin_.args({"--mobility", "--relay-threads", std::to_string(workers),
                                     "--user", "mallory:mpass"}),
               .env = std::move(env)}));
  }

  struct Where {
    int64_t worker = -1;
    std::string client;
    std::string id;
  };
  // Where `user`'s one allocation is: its worker and client address. Nullopt when the user
  // has none.
  std::optional<Where> where(const std::string& user) {
    auto reply = admin_.request("GET", "/v1/sessions?user=" + user);
    EXPECT_TRUE(reply && reply->status == 200);
    if (!reply || reply->status != 200) return std::nullopt;
    auto list = JsonValue::parse(reply->body);
    if (!list || !list->array() || list->array()->size() != 1) return std::nullopt;
    const JsonValue& s = (*list->array())[0];
    return Where{s.integer("worker"), s.text("client"), s.text("id")};
  }

  // The worker holding the allocation of client `c`; -1 when it has none.
  int64_t worker_of(const TurnClient& c) {
    auto reply = admin_.request("GET", "/v1/sessions");
    EXPECT_TRUE(reply && reply->status == 200);
    if (!reply || reply->status != 200) return -1;
    auto list = JsonValue::parse(reply->body);
    if (!list || !list->array()) return -1;
    for (const JsonValue& s : *list->array()) {
      if (s.text("client") == c.local_address().to_string()) return s.integer("worker");
    }
    return -1;
  }

  // The worker ternd's log last names as holding session `id`: the one whose "allocation
  // moved" line (a move within it, or to it from another) came last; -1 when none did.
  int64_t holder_in_log(const std::string& id) {
    const std::string log = ternd().log();
    const std::string moved = "allocation moved session=" + id + " ";
    int64_t holder = -1;
    for (size_t at = log.find(moved); at != std::string::npos; at = log.find(moved, at + 1)) {
      const std::string line = log.substr(at, log.find('\n', at) - at);
      const size_t worker = line.rfind(" worker=");
      if (worker != std::string::npos) holder = std::stoll(line.substr(worker + 8));
    }
    return holder;
  }

  // 127.0.0.2 to .7, on a port the kernel picks.
  static TransportAddress source(int i) {
    return TransportAddress::v4({127, 0, 0, static_cast<uint8_t>(2 + i % 6)}, 0);
  }

  // A UDP client (mallory's) from an address whose datagrams the kernel gives to a worker
  // other than `not_worker`: found by making an allocation from each candidate, asking
  // where it is, and deleting it (the worker follows from the 5-tuple alone).
  std::optional<TurnClient> client_off_worker(int64_t not_worker) {
    for (int i = 0; i < 32; ++i) {
      auto c = TurnClient::connect_from(Transport::Udp, source(i),
                                        server(Transport::Udp, IpVersion::V4), kMallory);
      EXPECT_TRUE(c) << c.error();
      if (!c) return std::nullopt;
      if (!IsSuccess(c->allocate())) return std::nullopt;
      const auto w = where("mallory");
      if (!IsSuccess(c->refresh(0)) || !w) return std::nullopt;
      if (w->worker != not_worker) return std::move(*c);
    }
    ADD_FAILURE() << "every candidate address reached worker " << not_worker;
    return std::nullopt;
  }

  // ChannelData from `c` reaches `p` from the relayed address, and `p`'s answer reaches `c`
  // on the channel.
  void relays_both_ways(TurnClient& c, UdpPeer& p, const std::string& text) {
    ASSERT_TRUE(c.send_channel_data(kChannel, payload(text + " up")));
    auto up = p.receive();
    ASSERT_TRUE(up) << to_string(up.error()) << ternd().diagnostics();
    EXPECT_EQ(text_of(up->data), text + " up");
    EXPECT_EQ(up->from, relayed_);
    ASSERT_TRUE(p.send_to(relayed_, payload(text + " down")));
    auto down = c.receive_data();
    ASSERT_TRUE(down) << to_string(down.error()) << ternd().diagnostics();
    EXPECT_EQ(down->kind, Relayed::Kind::ChannelData);
    EXPECT_EQ(down->channel, kChannel);
    EXPECT_EQ(text_of(down->data), text + " down");
  }

  AdminSocket admin_{"mobility-t0ken"};
};

TEST_F(TurnMobilityAcrossWorkersTest, MovesToOtherWorkers_KeepTheAllocationItsChannelAndRelaying) {
  Bytes ticket;
  auto c = mobile(ticket);
  ASSERT_TRUE(c);
  ASSERT_FALSE(ticket.empty());
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(p);
  ASSERT_TRUE(IsSuccess(c->channel_bind(kChannel, p->address())));
  ASSERT_NO_FATAL_FAILURE(relays_both_ways(*c, *p, "before"));
  auto at = where("alice");
  ASSERT_TRUE(at);

  // Moves from 127.0.0.2..7 on fresh ports until two of them changed worker (each lands on
  // another worker with probability 3/4; 16 moves at most).
  int across = 0;
  std::optional<TurnClient> old = std::move(c);
  for (int i = 0; i < 16 && across < 2; ++i) {
    SCOPED_TRACE("move " + std::to_string(i));
    auto moved =
        TurnClient::connect_from(Transport::Udp, source(i), server(Transport::Udp, IpVersion::V4));
    ASSERT_TRUE(moved) << moved.error();
    auto r = refresh_with(*moved, ticket);
    ASSERT_TRUE(IsSuccess(r)) << ternd().diagnostics();
    EXPECT_EQ(r->lifetime(), 600u);
    auto fresh = ticket_of(r);
    ASSERT_TRUE(fresh) << "a Refresh answer carries a fresh ticket";
    ticket = *fresh;
    auto now = where("alice");
    ASSERT_TRUE(now);
    EXPECT_EQ(now->client, moved->local_address().to_string());
    EXPECT_EQ(now->id, at->id) << "the same session";
    // The sessions list names the worker holding it now, not the one its id names.
    EXPECT_EQ(now->worker, holder_in_log(now->id)) << ternd().log();
    if (now->worker != at->worker) ++across;
    at = now;
    ASSERT_NO_FATAL_FAILURE(relays_both_ways(*moved, *p, "move " + std::to_string(i)));
    // The old address reaches the peer no more, and has no allocation.
    ASSERT_TRUE(old->send_channel_data(kChannel, payload("stale")));
    EXPECT_TRUE(p->silent_for(200ms));
    EXPECT_TRUE(IsError(old->refresh(600), 437));
    old = std::move(*moved);
  }
  EXPECT_EQ(across, 2) << "no move reached another worker\n" << ternd().log();
  EXPECT_NE(ternd().log().find("allocation handed over"), std::string::npos) << ternd().log();
  // Still one allocation, one quota place: the moves made nothing new.
  const auto counters = stop_and_count();
  EXPECT_EQ(counters.at("allocations_created"), 1u);
}

TEST_F(TurnMobilityAcrossWorkersTest, AnotherUsersTicketOnAnotherWorker_Is441_AllocationStays) {
  Bytes ticket;
  auto alice = mobile(ticket);
  ASSERT_TRUE(alice);
  const auto before = where("alice");
  ASSERT_TRUE(before);
  auto mallory = client_off_worker(before->worker);
  ASSERT_TRUE(mallory);
  EXPECT_TRUE(IsError(refresh_with(*mallory, ticket), 441));
  const auto after = where("alice");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->worker, before->worker);
  EXPECT_EQ(after->client, before->client);
  EXPECT_TRUE(IsSuccess(alice->refresh(600))) << "the allocation left its owner";
  EXPECT_EQ(ternd().log().find("allocation handed over"), std::string::npos) << ternd().log();
}

TEST_F(TurnMobilityAcrossWorkersTest, TicketOfADeletedAllocation_OnAnotherWorker_Is437) {
  Bytes ticket;
  auto alice = mobile(ticket);
  ASSERT_TRUE(alice);
  const auto at = where("alice");
  ASSERT_TRUE(at);
  auto moved = client_off_worker(at->worker);
  ASSERT_TRUE(moved);
  moved->set_credentials({});  // alice's own
  ASSERT_TRUE(IsSuccess(alice->refresh(0)));
  EXPECT_TRUE(IsError(refresh_with(*moved, ticket), 437));
}

// ternd stopping while handovers wait: worker 0, held by the test hook
// TERN_TEST_STALL_WORKER_AFTER, holds allocations whose moves worker 1 has asked for, and
// SIGTERM comes before it runs the asks. The hook holds worker 0 until every worker has
// been told to stop; worker 0 then runs the asks on its way out (its queue accepted them),
// and worker 1, stopping, refuses each answer: the allocation stays on worker 0 and ends
// there with its "allocation deleted" line, rather than vanishing in a dead queue.
class TurnMobilityShutdownTest : public TurnMobilityAcrossWorkersTest {
 protected:
  void SetUp() override {}  // the test starts ternd, with the hook
};

TEST_F(TurnMobilityShutdownTest, StopWithHandoversWaiting_EveryAllocationEndsWithItsLine) {
  constexpr size_t kMoves = 4;
  constexpr char kStallLine[] = "worker 0 stalls until shutdown";
  // Long enough for the few allocations below to be made before worker 0 stalls.
  ASSERT_NO_FATAL_FAILURE(start_workers(2, {"TERN_TEST_STALL_WORKER_AFTER=5"}));
  // Mobile allocations on worker 0 (with their tickets), and clients whose datagrams reach
  // worker 1, from 127.0.0.2..7 on ports the kernel picks.
  std::vector<TurnClient> held, movers;
  std::vector<Bytes> tickets;
  for (int i = 0; i < 64 && (held.size() < kMoves || movers.size() < kMoves); ++i) {
    auto c =
        TurnClient::connect_from(Transport::Udp, source(i), server(Transport::Udp, IpVersion::V4));
    ASSERT_TRUE(c) << c.error();
    auto r = allocate_mobile(*c);
    ASSERT_TRUE(IsSuccess(r)) << ternd().diagnostics();
    const int64_t worker = worker_of(*c);
    if (worker == 0 && held.size() < kMoves) {
      tickets.push_back(ticket_of(r).value_or(Bytes{}));
      held.push_back(std::move(*c));
      continue;
    }
    ASSERT_TRUE(IsSuccess(c->refresh(0)));
    if (worker == 1 && movers.size() < kMoves) movers.push_back(std::move(*c));
  }
  ASSERT_EQ(held.size(), kMoves) << "too few addresses reached worker 0";
  ASSERT_EQ(movers.size(), kMoves) << "too few addresses reached worker 1";
  if (ternd().log_line_with({kStallLine})) {
    GTEST_SKIP() << "worker 0 stalled before the allocations were made (a loaded machine)";
  }
  ASSERT_TRUE(ternd().wait_for_log_line({kStallLine})) << ternd().diagnostics();
  for (size_t i = 0; i < kMoves; ++i) {
    // No answer while worker 0 holds the allocation: worker 1 has asked for it...
    ASSERT_TRUE(movers[i].send_raw(
        movers[i].build_request(stun::Method::Refresh, refresh_body(tickets[i]))));
    // ...by the time it answers the next request from the same address.
    EXPECT_TRUE(IsError(movers[i].refresh(600), 437));
  }
  const auto status = ternd().stop();
  EXPECT_TRUE(status.clean()) << status.describe() << "\n" << ternd().diagnostics();
  const std::string log = ternd().log();
  // Worker 0 handed each over on its way out; worker 1, already stopping, refused them.
  EXPECT_EQ(ternd().log_lines_with({"allocation handed over"}), kMoves) << log;
  EXPECT_EQ(ternd().log_lines_with({"allocation stays"}), kMoves) << log;
  // Every allocation made has its end, the moving ones too.
  const std::string created = "allocation created session=";
  size_t made = 0;
  for (size_t at = log.find(created); at != std::string::npos; at = log.find(created, at + 1)) {
    const std::string id =
        log.substr(at + created.size(), log.find(' ', at + created.size()) - (at + created.size()));
    EXPECT_NE(log.find("allocation deleted session=" + id + " "), std::string::npos)
        << "session " << id << " never ended\n"
        << log;
    ++made;
  }
  EXPECT_GE(made, 2 * kMoves);
}

}  // namespace
}  // namespace tern::test
