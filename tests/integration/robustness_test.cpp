// A ternd under hostile or careless input and under process signals: it drops what it
// cannot use, counts it, keeps serving everyone else, and stops cleanly.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <thread>

#include "protocol/byte_order.h"
#include "tests/support/stun_client.h"
#include "tests/support/stun_expect.h"
#include "tests/support/stun_requests.h"
#include "tests/support/ternd_process.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

// How long a connection ternd must drop may take to close: the idle limit of one without
// an allocation is 30 s, so anything shorter shows the drop, not the idle timeout.
constexpr auto kCloseBound = 20s;

// Nothing in these tests can go on without a server or a connection; gtest reports an
// exception escaping the test body as that test's failure, with the message.
TerndProcess start_or_throw(TerndOptions options = {}) {
  auto t = TerndProcess::start(std::move(options));
  if (!t) throw std::runtime_error(t.error());
  return std::move(*t);
}

StunClient connect(Transport t, const TransportAddress& to) {
  auto c = StunClient::connect(t, to);
  if (!c) throw std::runtime_error(c.error());
  return std::move(*c);
}

// Datagrams no server may answer, five kinds in turn, from a fixed seed so a failure
// replays.
class Junk {
 public:
  Bytes next() {
    switch (n_++ % 5) {
      case 0:
        return truncated_header();
      case 1:
        return bad_cookie();
      case 2:
        return bad_length();
      case 3:
        return random_bytes();
      default:
        return channel_data_junk();
    }
  }

 private:
  uint8_t byte() { return static_cast<uint8_t>(rng_()); }
  size_t between(size_t lo, size_t hi) { return lo + rng_() % (hi - lo + 1); }

  Bytes truncated_header() {
    Bytes b = binding_request();
    b.resize(between(1, stun::kHeaderSize - 1));
    return b;
  }
  Bytes bad_cookie() {
    Bytes b = binding_request();
    b[4 + between(0, 3)] ^= static_cast<uint8_t>(1 + rng_() % 255);
    return b;
  }
  // The length field disagrees with the datagram: too long, too short, or not a
  // multiple of 4.
  Bytes bad_length() {
    Bytes b = binding_request({.fingerprint = true});
    static constexpr uint16_t kWrong[] = {0, 4, 6, 12, 13, 200, 0xFFFC};
    store_u16(&b[2], kWrong[rng_() % std::size(kWrong)]);
    return b;
  }
  Bytes random_bytes() {
    Bytes b(between(1, 300));
    for (auto& x : b) x = byte();
    return b;
  }
  // ChannelData shapes: a channel no allocation has bound, a reserved channel, a length
  // longer than the datagram.
  Bytes channel_data_junk() {
    Bytes b(between(4, 64));
    for (auto& x : b) x = byte();
    uint16_t channel = rng_() % 2 ? static_cast<uint16_t>(0x4000 + rng_() % 0x1000)
                                  : static_cast<uint16_t>(0x5000 + rng_() % 0x3000);
    store_u16(&b[0], channel);
    store_u16(&b[2], static_cast<uint16_t>(rng_() % 2 ? b.size() - 4 : b.size() + 100));
    return b;
  }

  std::mt19937 rng_{20240611};
  size_t n_ = 0;
};

TEST(Robustness, ThousandMalformedDatagrams_AreDroppedCountedAndUnanswered) {
  auto ternd = start_or_throw();
  auto client = connect(Transport::Udp, ternd.address(Transport::Udp, IpVersion::V4));
  Junk junk;
  constexpr int kRounds = 10, kPerRound = 100;
  for (int round = 0; round < kRounds; ++round) {
    for (int i = 0; i < kPerRound; ++i) ASSERT_TRUE(client.send(junk.next()));
    // The Binding both paces the flood (no kernel buffer overflows, so every datagram is
    // counted) and proves nothing before it was answered: its response comes first.
    auto request = binding_request();
    ASSERT_TRUE(IsBindingSuccessFor(request, client.exchange(request))) << "after round " << round;
  }
  auto status = ternd.stop();
  ASSERT_TRUE(status.clean()) << status.describe() << "\n" << ternd.diagnostics();
  auto counters = parse_counters(ternd.log());
  ASSERT_TRUE(counters) << "no counters: line\n" << ternd.diagnostics();
  uint64_t dropped = 0;
  for (const auto& [name, n] : *counters) {
    if (name.rfind("dropped_", 0) == 0) dropped += n;
  }
  EXPECT_EQ(dropped, uint64_t{kRounds * kPerRound}) << tail(ternd.log(), 3);
  // Every datagram in was either answered or counted as dropped.
  EXPECT_EQ((*counters)["udp_in"], (*counters)["udp_out"] + dropped) << tail(ternd.log(), 3);
}

TEST(Robustness, TcpClientSendingGarbage_IsDisconnected_WhileAnotherKeepsBeingAnswered) {
  auto ternd = start_or_throw();
  auto to = ternd.address(Transport::Tcp, IpVersion::V4);
  auto good = connect(Transport::Tcp, to);
  auto bad = connect(Transport::Tcp, to);
  auto first = binding_request();
  ASSERT_TRUE(IsBindingSuccessFor(first, good.exchange(first)));

  // First two bits 11: neither STUN nor ChannelData, so the stream cannot be framed.
  ASSERT_TRUE(bad.send(Bytes(64, 0xFF)));
  EXPECT_TRUE(bad.closed_within(kCloseBound));

  auto second = binding_request();
  EXPECT_TRUE(IsBindingSuccessFor(second, good.exchange(second)));
  ASSERT_TRUE(ternd.stop().clean());
  auto counters = parse_counters(ternd.log());
  ASSERT_TRUE(counters) << ternd.diagnostics();
  EXPECT_EQ((*counters)["stream_closed_invalid"], 1u) << tail(ternd.log(), 3);
}

TEST(Robustness, PlaintextGarbageToTlsPort_ClosesThatConnectionOnly) {
  auto ternd = start_or_throw({.tls = true});
  auto to = ternd.address(Transport::Tls, IpVersion::V4);
  auto good = connect(Transport::Tls, to);
  auto plain = connect(Transport::Tcp, to);
  auto first = binding_request();
  ASSERT_TRUE(IsBindingSuccessFor(first, good.exchange(first)));

  std::string garbage = "GET / HTTP/1.1\r\nHost: tern\r\n\r\n";
  ASSERT_TRUE(
      plain.send(std::span(reinterpret_cast<const uint8_t*>(garbage.data()), garbage.size())));
  EXPECT_TRUE(plain.closed_within(kCloseBound));

  auto second = binding_request();
  EXPECT_TRUE(IsBindingSuccessFor(second, good.exchange(second)));
  // And a new TLS client is still welcome.
  auto late = connect(Transport::Tls, to);
  auto third = binding_request();
  EXPECT_TRUE(IsBindingSuccessFor(third, late.exchange(third)));
  ASSERT_TRUE(ternd.stop().clean());
  auto counters = parse_counters(ternd.log());
  ASSERT_TRUE(counters) << ternd.diagnostics();
  EXPECT_EQ((*counters)["tls_handshake_failures"], 1u) << tail(ternd.log(), 3);
}

TEST(Robustness, Sigterm_ExitsZeroAndLogsCounters) {
  auto ternd = start_or_throw();
  auto status = ternd.stop();
  EXPECT_TRUE(status.clean()) << status.describe() << "\n" << ternd.diagnostics();
  EXPECT_TRUE(parse_counters(ternd.log())) << ternd.diagnostics();
}

TEST(Robustness, Sigint_ExitsZero) {
  auto ternd = start_or_throw();
  auto status = ternd.stop(SIGINT);
  EXPECT_TRUE(status.clean()) << status.describe() << "\n" << ternd.diagnostics();
}

TEST(Robustness, SighupAfterLogRotation_WritesToANewFileAtTheOriginalPath) {
  auto ternd = start_or_throw();
  auto rotated = ternd.dir() / "ternd.log.1";
  std::filesystem::rename(ternd.log_path(), rotated);
  ASSERT_TRUE(ternd.send_signal(SIGHUP));
  // At once on a quiet machine; 20 s is slack for a loaded one.
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!std::filesystem::exists(ternd.log_path()) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_TRUE(std::filesystem::exists(ternd.log_path())) << "no new log file 20 s after SIGHUP\n"
                                                         << ternd.diagnostics();

  ASSERT_TRUE(ternd.stop().clean());
  // The shutdown lines go to the new file only: the old one was really let go.
  EXPECT_TRUE(parse_counters(read_file(ternd.log_path()))) << ternd.diagnostics();
  EXPECT_FALSE(parse_counters(read_file(rotated))) << tail(read_file(rotated));
}

TEST(Robustness, FourWorkers_AnswerFiftyClientsAtOnce) {
  auto ternd = start_or_throw({.args = {"--relay-threads", "4"}});
  // Fifty source ports spread over the SO_REUSEPORT group: with four workers the chance
  // that one of them gets no client is about 4 * (3/4)^50, 2e-6.
  std::vector<StunClient> clients;
  std::vector<Bytes> requests;
  for (int i = 0; i < 50; ++i) {
    clients.push_back(connect(Transport::Udp, ternd.address(Transport::Udp, IpVersion::V4)));
    requests.push_back(binding_request());
  }
  for (size_t i = 0; i < clients.size(); ++i) ASSERT_TRUE(clients[i].send(requests[i]));
  for (size_t i = 0; i < clients.size(); ++i) {
    EXPECT_TRUE(IsBindingSuccessFor(requests[i], clients[i].receive())) << "client " << i;
  }
  EXPECT_NE(ternd.log().find("4 workers"), std::string::npos) << tail(ternd.log());
}

}  // namespace
}  // namespace tern::test
