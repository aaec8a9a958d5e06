// A spoofed-source flood over UDP, as a reflection attack aims it at one victim: whatever
// ternd answers one source IP that has not authenticated stays under that kind's per-source
// cap (--binding-rate for Binding, --challenge-rate for every error sent before integrity
// is checked), for the whole server. The flood comes from many ports of the one IP, so
// SO_REUSEPORT spreads it over all eight workers.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "protocol/error_code.h"
#include "protocol/message_builder.h"
#include "tests/support/stun_requests.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kChallengeRate = 50;  // per second, bursts of twice that
constexpr int kBindingRate = 100;
constexpr int kWorkers = 8;
constexpr int kSourcePorts = 32;  // one source IP: all land on every worker but by luck
constexpr int kPerPortPerRound = 5;
constexpr auto kRoundTime = 25ms;  // 160 per round: 6,400/s, far above either cap
constexpr int kMaxRequests = 14000;
constexpr auto kFloodTime = 4s;

struct FloodKind {
  std::string name;
  IpVersion version;
  uint16_t error;  // the expected ERROR-CODE; 0 for a Binding success response
  std::vector<std::string> extra = {};
};

std::string to_string(const FloodKind& k) {
  return k.name;
}
void PrintTo(const FloodKind& k, std::ostream* os) {
  *os << k.name;
}

// With --no-auth: a Refresh from a 5-tuple without an allocation earns a 437.
Bytes refresh_without_allocation() {
  Bytes buf(512);
  stun::MessageBuilder b(buf, stun::Method::Refresh, stun::Class::Request, random_transaction_id());
  buf.resize(b.ok() ? b.size() : 0);
  return buf;
}

Bytes request_for(const FloodKind& k) {
  switch (k.error) {
    case 0:
      return binding_request();
    case 420:
      return binding_request({.extra = {{0x0033, {1, 2, 3, 4}}}});
    case 400:
      return truncated_attribute_request();
    case 437:
      return refresh_without_allocation();
    default:
      return allocate_without_credentials();
  }
}

struct Tally {
  int answered = 0;
  size_t bytes = 0;
  size_t largest = 0;
  int wrong = 0;          // not the answer this kind earns
  int with_software = 0;  // error responses carrying SOFTWARE
};

class UnauthenticatedFloodTest : public TurnTest, public ::testing::WithParamInterface<FloodKind> {
 protected:
  void SetUp() override {
    if (needs_ipv6_but_missing(GetParam().version)) GTEST_SKIP() << "no IPv6 loopback";
  }

  // Counts whatever has arrived on every source port; returns how many it took.
  int drain(std::vector<StunClient>& sources, Tally& t) {
    int got = 0;
    for (auto& s : sources) {
      for (auto r = s.receive(0ms); r; r = s.receive(0ms)) {
        ++got;
        judge(*r, t);
      }
    }
    return got;
  }

  void judge(const Bytes& answer, Tally& t) {
    ++t.answered;
    t.bytes += answer.size();
    t.largest = std::max(t.largest, answer.size());
    auto m = stun::MessageView::parse(answer);
    if (!m) {
      ++t.wrong;
      return;
    }
    const uint16_t expected = GetParam().error;
    if (expected == 0) {
      t.wrong += m->message_class() == stun::Class::SuccessResponse ? 0 : 1;
      return;
    }
    auto code = stun::ErrorCodeAttribute::get_from(*m);
    t.wrong +=
        m->message_class() == stun::Class::ErrorResponse && code && code->code == expected ? 0 : 1;
    t.with_software += m->has(stun::attr::Software) ? 1 : 0;
  }
};

TEST_P(UnauthenticatedFloodTest, OneSourceIpOverEightWorkers_AnswersStayUnderItsCap) {
  const FloodKind& kind = GetParam();
  std::vector<std::string> args = {"--relay-threads",  std::to_string(kWorkers),
                                   "--challenge-rate", std::to_string(kChallengeRate),
                                   "--binding-rate",   std::to_string(kBindingRate)};
  args.insert(args.end(), kind.extra.begin(), kind.extra.end());
  ASSERT_NO_FATAL_FAILURE(start({.extra = args}));
  std::vector<StunClient> sources;
  for (int i = 0; i < kSourcePorts; ++i) {
    auto c = StunClient::connect(Transport::Udp, server(Transport::Udp, kind.version));
    ASSERT_TRUE(c) << c.error();
    sources.push_back(std::move(*c));
  }
  const Bytes request = request_for(kind);
  ASSERT_FALSE(request.empty());

  // Rounds of a few datagrams per port, drained in between, so neither side's socket
  // buffer overflows and an answer missing is the limiter's doing; paced, so the flood
  // lasts long enough for the buckets to refill many times over.
  Tally tally;
  int sent = 0;
  const auto began = Clock::now();
  while (sent < kMaxRequests && Clock::now() - began < kFloodTime) {
    const auto round = Clock::now();
    for (auto& s : sources) {
      for (int i = 0; i < kPerPortPerRound; ++i) sent += s.send(request) ? 1 : 0;
    }
    do {
      if (drain(sources, tally) == 0) std::this_thread::sleep_for(2ms);
    } while (Clock::now() - round < kRoundTime);
  }
  // The stragglers: until nothing has come for half a second (at most 10 s more).
  for (auto quiet = Clock::now(); Clock::now() - quiet < 500ms && Clock::now() - began < 14s;) {
    if (drain(sources, tally) > 0) {
      quiet = Clock::now();
    } else {
      std::this_thread::sleep_for(5ms);
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - began).count();

  // Every answer was sent within `seconds` of the first request reaching ternd: at most
  // the burst (twice the rate) plus the refill over that time.
  const int rate = kind.error == 0 ? kBindingRate : kChallengeRate;
  const int cap = 2 * rate + static_cast<int>(rate * seconds) + 1;
  RecordProperty("sent", sent);
  RecordProperty("answered", tally.answered);
  RecordProperty("milliseconds", static_cast<int>(seconds * 1000));
  SCOPED_TRACE(testing::Message() << sent << " sent, " << tally.answered << " answered ("
                                  << tally.bytes << " bytes) in " << seconds << " s");
  EXPECT_GT(sent, 2 * cap) << "the flood did not outpace the cap: this proves nothing";
  EXPECT_LE(tally.answered, cap);
  EXPECT_LE(tally.bytes, static_cast<size_t>(cap) * tally.largest);
  EXPECT_GE(tally.answered, rate) << "the burst itself must be answered";
  EXPECT_EQ(tally.wrong, 0);
  EXPECT_EQ(tally.with_software, 0) << "error responses carry no SOFTWARE";

  auto counters = stop_and_count();
  EXPECT_EQ(counters["allocations_created"], 0u);
  EXPECT_GT(counters[kind.error == 0 ? "bindings_limited" : "challenges_limited"], 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, UnauthenticatedFloodTest,
    ::testing::Values(FloodKind{"BindingIPv4", IpVersion::V4, 0},
                      FloodKind{"BindingIPv6", IpVersion::V6, 0},
                      FloodKind{"UnknownAttribute420", IpVersion::V4, 420},
                      FloodKind{"Malformed400", IpVersion::V4, 400},
                      FloodKind{"AllocateWithoutCredentials401", IpVersion::V4, 401},
                      FloodKind{"AllocateWithoutCredentials401IPv6", IpVersion::V6, 401},
                      FloodKind{
                          "NoAuthRefreshWithoutAllocation437", IpVersion::V4, 437, {"--no-auth"}}),
    ParamName());

}  // namespace
}  // namespace tern::test
