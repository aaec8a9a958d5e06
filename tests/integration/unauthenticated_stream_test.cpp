// Unauthenticated error answers over TCP and TLS spend the same per-source --challenge-rate
// budget as UDP, all workers together (issue #10, points 2 and 5): a client pipelining
// requests it never authenticates gets the budget's worth of 401s (and a few per
// connection), then its connection is closed rather than left holding answers. A
// legitimate client's 401 -> Allocate still works from an address whose budget a UDP
// flood spoofing it keeps spent.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "protocol/error_code.h"
#include "protocol/stun_constants.h"
#include "tests/support/stun_requests.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kChallengeRate = 10;  // per second, bursts of twice that
constexpr int kWorkers = 4;
constexpr int kConnections = 8;              // from one IP, spread over the workers
constexpr int kRequestsPerConnection = 400;  // 20 bytes each, sent at once
// What a connection is answered whatever its source's budget (stream_connection.cpp).
constexpr int kFreePerConnection = 1;

class UnauthenticatedStreamTest : public TurnTest, public ::testing::WithParamInterface<Transport> {
 protected:
  Transport transport() const { return GetParam(); }
};

// Whether `answer` is a 401 without SOFTWARE, as every unauthenticated answer must be.
bool is_bare_401(const Bytes& answer) {
  auto m = stun::MessageView::parse(answer);
  if (!m || m->message_class() != stun::Class::ErrorResponse) return false;
  auto code = stun::ErrorCodeAttribute::get_from(*m);
  return code && code->code == 401 && !m->has(stun::attr::Software);
}

TEST_P(UnauthenticatedStreamTest,
       PipelinedAllocatesWithoutCredentials_AnswersStayUnderTheBudget_ConnectionsClosed) {
  ASSERT_NO_FATAL_FAILURE(start({.tls = transport() == Transport::Tls,
                                 .extra = {"--relay-threads", std::to_string(kWorkers),
                                           "--challenge-rate", std::to_string(kChallengeRate)}}));
  ::signal(SIGPIPE, SIG_IGN);  // a write to a connection ternd closed
  std::vector<StunClient> clients;
  for (int i = 0; i < kConnections; ++i) {
    auto c = StunClient::connect(transport(), server(transport(), IpVersion::V4));
    ASSERT_TRUE(c) << c.error();
    clients.push_back(std::move(*c));
  }
  const auto began = Clock::now();
  for (auto& c : clients) {
    Bytes batch;
    for (int i = 0; i < kRequestsPerConnection; ++i) {
      const Bytes one = allocate_without_credentials();
      batch.insert(batch.end(), one.begin(), one.end());
    }
    ASSERT_TRUE(c.send(batch));
  }
  // Every answer until ternd closes the connection, or nothing came for 2 s (today: all
  // 400 answers, then silence); bounded by 30 s in all.
  int answered = 0, not_401 = 0, closed = 0;
  for (auto& c : clients) {
    while (Clock::now() - began < 30s) {
      auto r = c.receive(2000ms);
      if (!r) {
        closed += r.error() == RecvError::Closed ? 1 : 0;
        break;
      }
      ++answered;
      not_401 += is_bare_401(*r) ? 0 : 1;
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - began).count();
  // The burst, the refill over the whole exchange, and each connection's free answers.
  const int cap = 2 * kChallengeRate + static_cast<int>(kChallengeRate * seconds) +
                  kFreePerConnection * kConnections;
  SCOPED_TRACE(testing::Message() << kConnections * kRequestsPerConnection << " sent, " << answered
                                  << " answered in " << seconds << " s");
  EXPECT_LE(answered, cap);
  EXPECT_GE(answered, kFreePerConnection * kConnections);
  EXPECT_EQ(not_401, 0);
  EXPECT_EQ(closed, kConnections) << "a client over the budget is closed, not left waiting";

  auto counters = stop_and_count();
  EXPECT_EQ(counters["stream_closed_unauthenticated"], static_cast<uint64_t>(kConnections));
  EXPECT_GE(counters["challenges_limited"], static_cast<uint64_t>(kConnections));
}

// A UDP flood "from" 127.0.0.1 keeps that address's budget spent while a TCP or TLS client
// from the same address allocates: its 401 is one of the connection's free answers.
TEST_P(UnauthenticatedStreamTest, SourceBudgetSpentByAUdpFlood_StreamClientStillAllocates) {
  ASSERT_NO_FATAL_FAILURE(start({.tls = transport() == Transport::Tls,
                                 .extra = {"--challenge-rate", std::to_string(kChallengeRate)}}));
  auto spoofer = StunClient::connect(Transport::Udp, server(Transport::Udp, IpVersion::V4));
  ASSERT_TRUE(spoofer) << spoofer.error();
  const Bytes request = allocate_without_credentials();
  // The burst spent before the client starts, then 1,000/s (far above the refill) while
  // it works; bounded in count and time.
  for (int i = 0; i < 4 * kChallengeRate; ++i) spoofer->send(request);
  std::atomic<bool> stop{false};
  std::thread flood([&] {
    const auto until = Clock::now() + 30s;
    for (int i = 0; i < 30'000 && !stop && Clock::now() < until; ++i) {
      spoofer->send(request);
      if (i % 10 == 9) std::this_thread::sleep_for(10ms);
    }
  });
  auto client = connect(transport(), IpVersion::V4);
  std::optional<TurnResult> allocated;
  if (client) allocated = client->allocate();
  stop = true;
  flood.join();
  ASSERT_TRUE(allocated);
  EXPECT_TRUE(IsSuccess(*allocated));
  // A Binding behind the flood on the same socket: its answer means ternd has read every
  // request sent before it (one socket's datagrams reach one worker, in order), so the
  // counters below are the whole flood's, even from a ternd slowed by a sanitizer.
  ASSERT_TRUE(spoofer->send(binding_request()));
  bool bound = false;
  for (int i = 0; i < 30'000 && !bound; ++i) {
    auto got = spoofer->receive(Millis(5000));
    if (!got) break;
    bound = got->size() >= 2 && (*got)[0] == 0x01 && (*got)[1] == 0x01;  // Binding success
  }
  EXPECT_TRUE(bound) << "no answer to the Binding behind the flood";

  auto counters = stop_and_count();
  EXPECT_GT(counters["challenges_limited"], 0u) << "the flood was limited: the budget was spent";
  EXPECT_EQ(counters["allocations_created"], 1u);
  EXPECT_EQ(counters["stream_closed_unauthenticated"], 0u);
}

INSTANTIATE_TEST_SUITE_P(Streams, UnauthenticatedStreamTest,
                         ::testing::Values(Transport::Tcp, Transport::Tls), ParamName());

}  // namespace
}  // namespace tern::test
