// What an RFC 6062 data connection relays is its allocation's traffic, as a UDP
// allocation's datagrams are: counted in the session (admin API, the allocation's log
// line) and held to max-bps, although the data connection may live on another worker.

#include <gtest/gtest.h>

#include <charconv>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "base/json_value.h"
#include "tests/support/admin_socket.h"
#include "tests/support/tcp_peer.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;
using tern::JsonValue;

constexpr uint8_t kTcp = 6;

int64_t number(const JsonValue* v) {
  const std::string text = v ? v->number_text() : std::string();
  int64_t n = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size() ? n : -1;
}

class TurnTcpRelayTrafficTest : public TurnTest {
 protected:
  // ternd with the admin API on a unix socket (no port to race for), two workers (so the
  // data connection may well be relayed by the other one) and `extra`.
  void start_with(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--relay-threads", "2"};
    args.insert(args.end(), extra.begin(), extra.end());
    ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false, .extra = admin_.args(args)}));
  }

  // A TCP allocation with a peer connected through Connect and bound: the client's data
  // connection and the peer's end.
  struct Relayed {
    TurnClient control;
    TurnClient data;
    TcpStream peer;
  };
  std::optional<Relayed> relayed() {
    auto c = allocated(Transport::Tcp, IpVersion::V4, {.transport = kTcp, .family = Family::V4});
    if (!c) return std::nullopt;
    auto listener = TcpListener::open(loopback(IpVersion::V4, 0));
    EXPECT_TRUE(listener) << listener.error();
    if (!listener) return std::nullopt;
    auto r = c->connect_peer(listener->address());
    EXPECT_TRUE(IsSuccess(r));
    if (!r || !r->connection_id()) return std::nullopt;
    auto peer = listener->accept();
    EXPECT_TRUE(peer) << peer.error();
    auto data = connect(Transport::Tcp, IpVersion::V4);
    if (!peer || !data) return std::nullopt;
    EXPECT_TRUE(IsSuccess(data->connection_bind(*r->connection_id())));
    return Relayed{std::move(*c), std::move(*data), std::move(*peer)};
  }

  // The one session's JSON, polled until `done` says yes or 10 s pass.
  template <typename Done>
  JsonValue session_when(Done done) {
    JsonValue s;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    do {
      auto reply = admin_.request("GET", "/v1/sessions");
      if (reply && reply->status == 200) {
        auto list = JsonValue::parse(reply->body);
        if (list && list->array() && list->array()->size() == 1) {
          s = (*list->array())[0];
          if (done(s)) break;
        }
      }
      std::this_thread::sleep_for(50ms);
    } while (std::chrono::steady_clock::now() < deadline);
    return s;
  }

  AdminSocket admin_{"tcp-traffic-t0ken"};
};

TEST_F(TurnTcpRelayTrafficTest, RelayedBytes_CountInTheSessionAndItsLogLine) {
  ASSERT_NO_FATAL_FAILURE(start_with());
  auto r = relayed();
  ASSERT_TRUE(r);
  const Bytes up(10'000, 'u'), down(20'000, 'd');
  ASSERT_TRUE(r->data.send_raw(up));
  ASSERT_TRUE(r->peer.receive_exact(up.size(), 10s));
  ASSERT_TRUE(r->peer.send_all(down, 10s));
  size_t got = 0;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (got < down.size() && std::chrono::steady_clock::now() < deadline) {
    auto more = r->data.stun().receive_bytes(1s);
    if (more) got += more->size();
  }
  ASSERT_EQ(got, down.size());
  // Counted where the data connection runs, collected by the allocation's worker once a
  // second.
  const JsonValue s = session_when([&](const JsonValue& v) {
    return number(v.member("bytes_to_peer")) == 10'000 &&
           number(v.member("bytes_to_client")) == 20'000;
  });
  EXPECT_EQ(number(s.member("bytes_to_peer")), 10'000) << ternd().diagnostics();
  EXPECT_EQ(number(s.member("bytes_to_client")), 20'000);
  ASSERT_TRUE(IsSuccess(r->control.refresh(0)));
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (ternd().log().find("allocation deleted") == std::string::npos &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(50ms);
  }
  const std::string log = ternd().log();
  EXPECT_NE(log.find("bytes_to_peer=10000"), std::string::npos) << log;
  EXPECT_NE(log.find("bytes_to_client=20000"), std::string::npos) << log;
}

TEST_F(TurnTcpRelayTrafficTest, MaxBps_HoldsBackATcpRelayedStream) {
  constexpr int64_t kRate = 20'000;   // bytes per second
  constexpr int64_t kBurst = 65'535;  // TokenBucket::kMinBurst: what may pass at once
  ASSERT_NO_FATAL_FAILURE(start_with({"--max-bps", std::to_string(kRate)}));
  auto r = relayed();
  ASSERT_TRUE(r);
  const auto began = std::chrono::steady_clock::now();
  // More than the burst and 1.5 s of the rate together; the kernel's buffers take it all.
  const Bytes down(200'000, 'd');
  r->peer.send_all(down, 3s);
  size_t got = 0;
  while (std::chrono::steady_clock::now() < began + 1500ms) {
    auto more = r->data.stun().receive_bytes(100ms);
    if (more) got += more->size();
  }
  const double elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  // An upper bound only, which a slow machine meets all the more: unthrottled, all
  // 200,000 bytes arrive at once.
  EXPECT_GT(got, 0u);
  EXPECT_LE(static_cast<double>(got), kBurst + kRate * (elapsed_s + 0.5))
      << "in " << elapsed_s << " s";
  EXPECT_LT(got, down.size());
}

}  // namespace
}  // namespace tern::test
