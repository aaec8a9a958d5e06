// Two real workers (threads, loops, task queues, a WorkerRing) and RFC 8016 handovers
// between them while they stop: a stopped or stopping worker refuses posts, and an
// allocation whose handover meets a stopping asker stays where it was and ends there,
// with its "allocation deleted" line and its quota place given back, never lost on the way.

#include <event2/thread.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "server/shared/challenge_limiter.h"
#include "server/turn/turn_context.h"
#include "server/worker/worker.h"
#include "server/worker/worker_ring.h"
#include "tests/server/turn/turn_core_test.h"
#include "tests/support/temp_dir.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<uint8_t>;

constexpr auto kPatience = 10s;

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class WorkerStopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // As ternd's main does first: other threads wake a worker's loop through its queue.
    static const int threads = evthread_use_pthreads();
    ASSERT_EQ(threads, 0);
    ports_ = free_udp_port_range(16);
    ASSERT_TRUE(ports_) << "no free relay port range";
    core_ = std::make_unique<TurnCore>(
        TurnCoreOptions{.min_port = ports_->first, .max_port = ports_->last, .mobility = true});
    auto log = Logger::open((dir_ / "ternd.log").string(), LogLevel::Info);
    ASSERT_TRUE(log) << log.error();
    log_ = std::move(*log);
    auto server = LoopbackSocket::open(v4_loopback());
    ASSERT_TRUE(server);
    server_.emplace(std::move(*server));
    options_.limits = &limits_;
    for (unsigned i = 0; i < 2; ++i) {
      workers_.push_back(std::make_unique<Worker>(i, options_, nullptr, *log_));
      workers_.back()->enable_turn(core_->shared());
    }
    ring_ = std::make_unique<WorkerRing>(workers_);
    for (auto& w : workers_) {
      w->join_peers(*ring_);
      w->start();
    }
  }
  void TearDown() override {
    open_gate();
    workers_.clear();
  }

  // Runs `request` through `handler` on worker `w`'s thread, from `client`; its answer
  // (empty: none yet, or the worker did not run it in time).
  Bytes on_worker(unsigned w, const CoreRequest& request, const TransportAddress& client,
                  size_t (*handler)(TurnContext&, const TurnRequest&)) {
    auto answer = std::make_shared<std::promise<Bytes>>();
    auto got = answer->get_future();
    const bool posted = workers_[w]->post_turn([&, answer, client, handler](TurnContext& t) {
      RequestContext c = core_->context(client, server_->address, server_->fd.get());
      c.mono_ms = t.io.now_ms();
      c.now = std::time(nullptr);
      auto m = stun::MessageView::parse(request.bytes);
      Bytes out(1500);
      out.resize(m ? handler(t, TurnRequest{*m, c, request.auth, out}) : 0);
      answer->set_value(std::move(out));
    });
    EXPECT_TRUE(posted) << "worker " << w << " refused the request";
    if (!posted || got.wait_for(kPatience) != std::future_status::ready) return {};
    return got.get();
  }
  // A mobile allocation made on worker 0 from a fresh client address; its ticket.
  Bytes allocate_on_first() {
    auto c = UdpPeer::open(v4_loopback());
    EXPECT_TRUE(c) << c.error();
    if (!c) return {};
    const auto request = core_->request(stun::Method::Allocate, [](stun::MessageBuilder& b) {
      stun::RequestedTransport{}.add_to(b);
      b.add_empty(stun::attr::MobilityTicket);
    });
    const Bytes r = on_worker(0, request, c->address(), handle_allocate);
    EXPECT_EQ(code_of(r), 0);
    auto m = stun::MessageView::parse(r);
    auto t = m ? m->find(stun::attr::MobilityTicket) : std::nullopt;
    EXPECT_TRUE(t) << "no MOBILITY-TICKET";
    clients_.push_back(std::move(*c));
    return t ? Bytes(t->value.begin(), t->value.end()) : Bytes{};
  }
  // Worker 1 gets a Refresh with `ticket` from a new address: it asks worker 0 for the
  // allocation, so there is no answer yet.
  void ask_from_second(const Bytes& ticket) {
    auto moved = UdpPeer::open(v4_loopback());
    ASSERT_TRUE(moved) << moved.error();
    const auto request = core_->request(stun::Method::Refresh, [&](stun::MessageBuilder& b) {
      b.add(stun::attr::MobilityTicket, std::span<const uint8_t>(ticket));
    });
    EXPECT_TRUE(on_worker(1, request, moved->address(), handle_refresh).empty())
        << "worker 1 answered before the handover";
    clients_.push_back(std::move(*moved));
  }
  // Holds worker 0's loop until open_gate(), so what is posted to it waits in its queue.
  void close_gate() {
    ASSERT_TRUE(
        workers_[0]->post([gate = gate_.get_future().share()] { (void)gate.wait_for(kPatience); }));
  }
  void open_gate() {
    if (!gate_opened_) gate_.set_value();
    gate_opened_ = true;
  }
  std::string log_text() const { return read_file(dir_ / "ternd.log"); }

  TempDir dir_;
  std::optional<PortRange> ports_;
  std::unique_ptr<TurnCore> core_;  // the shared state the workers' TURN halves use
  std::unique_ptr<Logger> log_;
  std::optional<LoopbackSocket> server_;
  std::vector<UdpPeer> clients_;
  UnauthenticatedLimits limits_{0, 0};
  DispatchOptions options_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<WorkerRing> ring_;
  std::promise<void> gate_;
  bool gate_opened_ = false;
};

TEST_F(WorkerStopTest, AStoppedWorker_RefusesPosts) {
  workers_[1]->stop();
  workers_[1]->join();
  EXPECT_FALSE(workers_[1]->post([] {}));
  EXPECT_FALSE(workers_[1]->post_turn([](TurnContext&) {}));
  EXPECT_FALSE(ring_->post(1, [](TurnContext&) {}));
  EXPECT_TRUE(ring_->post(0, [](TurnContext&) {}));
}

TEST_F(WorkerStopTest, AStoppingWorker_RunsWhatItAcceptedBeforeItsThreadEnds) {
  ASSERT_NO_FATAL_FAILURE(close_gate());
  auto ran = std::make_shared<std::atomic<int>>(0);
  ASSERT_TRUE(workers_[0]->post([ran] { ++*ran; }));
  workers_[0]->stop();  // while its loop is held: the task above is still queued
  EXPECT_FALSE(workers_[0]->post([ran] { *ran += 100; })) << "a stopping worker took a task";
  open_gate();
  workers_[0]->join();
  EXPECT_EQ(ran->load(), 1);
}

// The asking worker stopped between its ask and the handover: the holder's answer is
// refused, and the allocation, already released, is taken back where it was.
TEST_F(WorkerStopTest, AskerStoppedBeforeTheHandover_TheAllocationStaysAndEndsWhereItWas) {
  const Bytes ticket = allocate_on_first();
  ASSERT_FALSE(ticket.empty());
  ASSERT_NO_FATAL_FAILURE(close_gate());
  ASSERT_NO_FATAL_FAILURE(ask_from_second(ticket));
  workers_[1]->stop();
  workers_[1]->join();
  open_gate();  // worker 0 hands over, and cannot post the answer
  auto count = std::make_shared<std::promise<size_t>>();
  auto counted = count->get_future();
  ASSERT_TRUE(workers_[0]->post(
      [count, w = workers_[0].get()] { count->set_value(w->allocation_count()); }));
  ASSERT_EQ(counted.wait_for(kPatience), std::future_status::ready);
  EXPECT_EQ(counted.get(), 1u) << "the allocation did not come back to worker 0";
  workers_.clear();
  const std::string log = log_text();
  EXPECT_EQ(count_of(log, "allocation stays"), 1u) << log;
  EXPECT_EQ(count_of(log, "allocation deleted"), 1u) << log;
  EXPECT_NE(log.find("reason=shutdown"), std::string::npos) << log;
  EXPECT_EQ(core_->shared().quotas.count_for(std::string(kCoreUser)), 0u)
      << "the allocation's quota place was never given back";
}

// ternd stopping (Server::stop: every worker told to stop, then joined) with handovers
// still queued: every allocation made ends with its line, none is lost between workers.
TEST_F(WorkerStopTest, StopWithHandoversQueued_EveryAllocationEndsWithItsLine) {
  constexpr size_t kAllocations = 6;
  std::vector<Bytes> tickets;
  for (size_t i = 0; i < kAllocations; ++i) {
    tickets.push_back(allocate_on_first());
    ASSERT_FALSE(tickets.back().empty());
  }
  ASSERT_NO_FATAL_FAILURE(close_gate());
  for (const Bytes& t : tickets) ASSERT_NO_FATAL_FAILURE(ask_from_second(t));
  for (auto& w : workers_) w->stop();
  open_gate();
  for (auto& w : workers_) w->join();
  workers_.clear();
  const std::string log = log_text();
  EXPECT_EQ(count_of(log, "allocation created"), kAllocations) << log;
  EXPECT_EQ(count_of(log, "allocation deleted"), kAllocations) << log;
  EXPECT_EQ(core_->shared().quotas.count_for(std::string(kCoreUser)), 0u)
      << "an allocation's quota place was never given back";
}

}  // namespace
}  // namespace tern::test
