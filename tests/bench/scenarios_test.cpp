// tern-bench's scenarios against a real ternd (and the floor responder): what they
// report must match what the server counted.

#include "bench/scenarios.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "base/socket_address.h"
#include "base/sockets.h"
#include "bench/echo_peer.h"
#include "tests/support/process.h"
#include "tests/support/relay_port_range.h"
#include "tests/support/temp_dir.h"
#include "tests/support/ternd_process.h"

namespace tern::bench {
namespace {

using test::TerndOptions;
using test::TerndProcess;

// All the load comes from 127.0.0.1: the per-source limits would be what is measured.
// clang-format off
const std::vector<std::string> kTurnArgs = {
    "--realm", "bench.test", "--user", "bench:secret", "--allow-loopback-peers",
    "--challenge-rate", "0", "--binding-rate", "0"};
// clang-format on

TerndProcess start_ternd(std::vector<std::string> extra = {}, bool tls = false) {
  std::vector<std::string> args = kTurnArgs;
  args.insert(args.end(), extra.begin(), extra.end());
  auto t = TerndProcess::start(TerndOptions{.args = args, .tls = tls});
  if (!t) {
    ADD_FAILURE() << t.error();
    std::abort();
  }
  return std::move(*t);
}

Options options_for(const TerndProcess& t, Mode mode, Transport transport = Transport::Udp) {
  Options o;
  o.mode = mode;
  o.transport = transport;
  const uint16_t port = transport == Transport::Tls ? t.tls_port() : t.port();
  o.server = *parse_endpoint("127.0.0.1:" + std::to_string(port));
  o.user = "bench";
  o.password = "secret";
  o.duration_s = 0.3;
  o.server_pid = t.pid();
  o.max_seconds = 30;
  return o;
}

uint64_t counter(TerndProcess& t, const std::string& name) {
  t.stop();
  const auto c = test::parse_counters(t.log());
  return c && c->contains(name) ? c->at(name) : ~uint64_t{0};
}

class BindingOver : public ::testing::TestWithParam<Transport> {};

TEST_P(BindingOver, EveryRequestAnsweredAndCountedByTheServer) {
  auto t = start_ternd({}, GetParam() == Transport::Tls);
  auto o = options_for(t, Mode::Binding, GetParam());
  o.sockets = 2;
  o.window = 4;
  const Report r = run_binding(o);
  ASSERT_FALSE(r.text_of("error")) << *r.text_of("error");
  const double responses = *r.number_of("responses");
  EXPECT_GT(responses, 100);
  EXPECT_EQ(*r.number_of("lost"), 0);
  EXPECT_GT(*r.number_of("latency_p50_us"), 0);
  EXPECT_GT(*r.number_of("server_cpu_us_per_request"), 0);
  EXPECT_GT(*r.number_of("server_rss_kb"), 0);
  // Plus the one TerndProcess sent to see that the server was up.
  EXPECT_EQ(counter(t, "binding_requests"), static_cast<uint64_t>(responses) + 1);
}

INSTANTIATE_TEST_SUITE_P(Transports, BindingOver,
                         ::testing::Values(Transport::Udp, Transport::Tcp, Transport::Tls),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(Binding, SourceIp_RequestsComeFromIt) {
  // A server that only looks at who sent the request.
  FileDescriptor server = open_udp_bound(*parse_endpoint("127.0.0.1:0"));
  ASSERT_TRUE(server.valid());
  Options o;
  o.server = *local_address(server.get());
  o.source = *parse_endpoint("127.0.0.77:0");
  o.count = 1;
  o.sockets = 1;
  o.duration_s = 0.1;
  o.timeout_ms = 10;
  (void)run_binding(o);
  SockAddr from;
  from.length = sizeof from.storage;
  uint8_t buf[64];
  ASSERT_EQ(recvfrom(server.get(), buf, sizeof buf, MSG_DONTWAIT, from.get(), &from.length), 20);
  EXPECT_EQ(from_sockaddr(from)->ip_string(), "127.0.0.77");
}

TEST(Binding, CountLimit_StopsTheRun) {
  auto t = start_ternd();
  auto o = options_for(t, Mode::Binding);
  o.duration_s = 10;
  o.count = 500;
  const Report r = run_binding(o);
  EXPECT_EQ(*r.number_of("requests"), 500);
  EXPECT_LT(*r.number_of("elapsed_s"), 5);
}

TEST(Binding, NothingListening_AllLost) {
  auto o = Options{};
  o.server = *parse_endpoint("127.0.0.1:9");  // discard: nobody answers
  o.duration_s = 0.2;
  o.timeout_ms = 50;
  o.sockets = 1;
  o.window = 2;
  const Report r = run_binding(o);
  EXPECT_EQ(*r.number_of("responses"), 0);
  EXPECT_GT(*r.number_of("lost"), 0);
  EXPECT_DOUBLE_EQ(*r.number_of("loss_percent"), 100);
}

TEST(Binding, FloorResponder_AnswersLikeAServer) {
  test::TempDir dir;
  const uint16_t port = 20000 + static_cast<uint16_t>(getpid() % 20000);
  const std::string at = "127.0.0.1:" + std::to_string(port);
  const pid_t pid =
      test::spawn({TERN_BENCH_FLOOR_PATH, at}, dir.path() / "out", dir.path() / "err");
  ASSERT_GT(pid, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  Options o;
  o.server = *parse_endpoint(at);
  o.duration_s = 0.3;
  o.server_pid = pid;
  const Report r = run_binding(o);
  kill(pid, SIGTERM);
  EXPECT_TRUE(test::wait_for_exit(pid, std::chrono::seconds(5)).clean());
  EXPECT_GT(*r.number_of("responses"), 100);
  EXPECT_EQ(*r.number_of("lost"), 0);
}

TEST(Allocate, HeldThenDeleted_ServerCreatedAndDeletedEveryOne) {
  auto t = start_ternd();
  auto o = options_for(t, Mode::Allocate);
  o.count = 200;
  o.window = 16;
  o.hold_s = 0.3;
  o.with_channel = true;
  const Report r = run_allocate(o);
  EXPECT_EQ(*r.number_of("allocations_ok"), 200);
  EXPECT_EQ(*r.number_of("deleted"), 200);
  EXPECT_GT(*r.number_of("allocations_per_s"), 0);
  EXPECT_GT(*r.number_of("server_cpu_us_per_allocation"), 0);
  EXPECT_TRUE(r.number_of("server_rss_held_kb"));
  EXPECT_EQ(r.failures_total(), 0u);
  t.stop();
  const auto c = test::parse_counters(t.log());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->at("allocations_created"), 200u);
  EXPECT_EQ(c->at("allocations_deleted"), 200u);
  EXPECT_EQ(c->at("auth_challenges"), 200u);  // one 401 per allocation, as a new client
}

TEST(Allocate, ExpiredNonces_AreRetriedNotFailed) {
  auto t = start_ternd({"--stale-nonce=1"});
  auto o = options_for(t, Mode::Allocate);
  o.count = 5;
  o.hold_s = 1.5;
  o.with_channel = true;
  const Report r = run_allocate(o);
  EXPECT_EQ(*r.number_of("allocations_ok"), 5);
  EXPECT_EQ(*r.number_of("deleted"), 5);  // each delete met a 438 first
  EXPECT_EQ(r.failures_total(), 0u);
}

TEST(Allocate, WrongPassword_CountedAs401) {
  auto t = start_ternd();
  auto o = options_for(t, Mode::Allocate);
  o.password = "wrong";
  o.count = 10;
  const Report r = run_allocate(o);
  EXPECT_EQ(*r.number_of("allocations_ok"), 0);
  EXPECT_EQ(r.failures("401"), 10u);
}

TEST(Allocate, PastTheQuota_CountedAs486) {
  auto t = start_ternd({"--user-quota", "3"});
  auto o = options_for(t, Mode::Allocate);
  o.count = 5;
  o.window = 1;
  const Report r = run_allocate(o);
  EXPECT_EQ(*r.number_of("allocations_ok"), 3);
  EXPECT_EQ(r.failures("486"), 2u);
}

TEST(Allocate, RestSecret_Authenticates) {
  auto t = start_ternd({"--use-auth-secret", "--static-auth-secret", "s3cret"});
  auto o = options_for(t, Mode::Allocate);
  o.secret = "s3cret";
  o.count = 5;
  const Report r = run_allocate(o);
  EXPECT_EQ(*r.number_of("allocations_ok"), 5);
}

struct RelayCase {
  Transport transport;
  bool channel;
};

class RelayOver : public ::testing::TestWithParam<RelayCase> {};

TEST_P(RelayOver, PacketsMakeTheRoundTripThroughThePeer) {
  auto t = start_ternd({}, GetParam().transport == Transport::Tls);
  auto o = options_for(t, Mode::Relay, GetParam().transport);
  o.flows = 3;
  o.use_channel = GetParam().channel;
  o.size = 200;
  const Report r = run_relay(o);
  ASSERT_FALSE(r.text_of("error")) << *r.text_of("error");
  EXPECT_EQ(*r.number_of("flows_ready"), 3);
  const double sent = *r.number_of("packets_sent");
  EXPECT_GT(sent, 50);
  EXPECT_EQ(*r.number_of("packets_at_peer"), sent);
  EXPECT_EQ(*r.number_of("packets_back"), sent);
  EXPECT_GT(*r.number_of("from_peer_mbps"), 0);
  EXPECT_GT(*r.number_of("server_cpu_us_per_packet"), 0);
  t.stop();
  const auto c = test::parse_counters(t.log());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->at("allocations_deleted"), 3u);
}

INSTANTIATE_TEST_SUITE_P(Framings, RelayOver,
                         ::testing::Values(RelayCase{Transport::Udp, true},
                                           RelayCase{Transport::Udp, false},
                                           RelayCase{Transport::Tcp, true},
                                           RelayCase{Transport::Tls, false}),
                         [](const auto& info) {
                           return std::string(to_string(info.param.transport)) +
                                  (info.param.channel ? "_channel" : "_indication");
                         });

TEST(Relay, OfferedRate_IsWhatIsSent) {
  auto t = start_ternd();
  auto o = options_for(t, Mode::Relay);
  o.flows = 2;
  o.rate_pps = 1000;
  o.duration_s = 1.0;
  const Report r = run_relay(o);
  EXPECT_NEAR(*r.number_of("packets_sent"), 1000, 100);
}

TEST(Relay, WithoutPeerPermission_NothingComesBack) {
  // Loopback peers refused: CreatePermission fails with 403, so no flow is set up. The
  // relay range sits above the ephemeral ports (32768-60999): ternd lets any port of its
  // own relay range on its relay IP through, and the echo peer's port must not be one.
  const auto range = test::free_udp_port_range(64);
  ASSERT_TRUE(range);
  std::vector<std::string> args{"--realm",      "bench.test",       "--user",
                                "bench:secret", "--challenge-rate", "0"};
  const auto range_args = range->args();
  args.insert(args.end(), range_args.begin(), range_args.end());
  auto t = TerndProcess::start(TerndOptions{.args = args});
  ASSERT_TRUE(t) << t.error();
  auto o = options_for(*t, Mode::Relay);
  const Report r = run_relay(o);
  EXPECT_EQ(*r.number_of("flows_ready"), 0) << r.json();
  EXPECT_EQ(r.failures("setup 403"), 1u);
}

TEST(Relay, Direct_RoundTripsThroughThePeerWithNoServer) {
  // The testbed's baseline: nothing listens on the server address, yet every packet
  // comes back, and nothing is set up or deleted.
  Options o;
  o.mode = Mode::Relay;
  o.direct = true;
  o.flows = 3;
  o.duration_s = 0.3;
  o.max_seconds = 30;
  o.server = *parse_endpoint("127.0.0.1:9");
  const Report r = run_relay(o);
  ASSERT_FALSE(r.text_of("error")) << *r.text_of("error");
  EXPECT_EQ(*r.text_of("path"), "direct");
  EXPECT_EQ(*r.number_of("flows_ready"), 3);
  const double sent = *r.number_of("packets_sent");
  EXPECT_GT(sent, 50);
  EXPECT_EQ(*r.number_of("packets_back"), sent);
  EXPECT_GT(*r.number_of("packets_measured"), 0);
  EXPECT_EQ(r.failures("setup timeout"), 0u);
}

TEST(EchoPeer, InAnotherNetns_BindsThere) {
  // The testbed's peer end: its socket lives in the named namespace, whose 127.0.0.1
  // only it sees; a namespace that does not exist is a clean failure.
  EchoPeer missing;
  EXPECT_FALSE(missing.start("127.0.0.1", "tern-no-such-netns"));
  const std::string ns = "ternbench" + std::to_string(getpid());
  if (std::system(("ip netns add " + ns + " 2>/dev/null").c_str()) != 0) {
    GTEST_SKIP() << "cannot create a network namespace (needs root)";
  }
  const int up = std::system(("ip -n " + ns + " link set lo up").c_str());
  EchoPeer peer;
  const bool started = up == 0 && peer.start("127.0.0.1", ns);
  // Its port is free in this namespace: the socket is not here.
  FileDescriptor here = started ? open_udp_bound(peer.address()) : FileDescriptor();
  peer.stop();
  EXPECT_EQ(std::system(("ip netns del " + ns).c_str()), 0);
  ASSERT_TRUE(started);
  EXPECT_TRUE(here.valid());
}

TEST(EchoPeer, SendsEachDatagramBack) {
  EchoPeer peer;
  ASSERT_TRUE(peer.start("127.0.0.1"));
  FileDescriptor fd = open_udp_client(peer.address());
  ASSERT_TRUE(fd.valid());
  const char msg[] = "hello";
  ASSERT_EQ(send(fd.get(), msg, sizeof msg, 0), static_cast<ssize_t>(sizeof msg));
  char back[16] = {};
  ssize_t n = -1;
  for (int i = 0; i < 100 && n < 0; ++i) {
    n = recv(fd.get(), back, sizeof back, 0);
    if (n < 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(n, static_cast<ssize_t>(sizeof msg));
  EXPECT_STREQ(back, "hello");
  EXPECT_EQ(peer.packets(), 1u);
  EXPECT_EQ(peer.bytes(), sizeof msg);
}

}  // namespace
}  // namespace tern::bench
