// Interop with a third-party TURN client: coturn's turnutils_uclient allocates through
// ternd (with EVEN-PORT reservations for its RTP/RTCP pairs), binds channels or sends
// Send indications to turnutils_peer, an echo server, and counts what comes back. Both
// tools come from Debian's coturn package; `make test` installs it.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "tests/interop/relay_window.h"
#include "tests/interop/turnutils_peer.h"
#include "tests/interop/uclient_output.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/ternd_process.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kUclient = "/usr/bin/turnutils_uclient";
constexpr const char* kUser = "alice";
constexpr const char* kPassword = "secret";
constexpr const char* kRealm = "tern.test";
constexpr const char* kRestSecret = "north";
constexpr uint64_t kMessages = 100;  // per client
constexpr uint64_t kClients = 4;
// uclient hangs rather than exits on some failures; a pass takes under 20 s.
constexpr auto kUclientDeadline = 30s;

enum class Auth { LongTerm, Rest };

struct UclientCase {
  std::string name;
  std::vector<std::string> flags;        // uclient flags besides the common ones
  Transport transport = Transport::Udp;  // Tls: uclient -S -t, Dtls: -S, to ternd's TLS port
  IpVersion client = IpVersion::V4;      // where uclient reaches ternd
  IpVersion relay = IpVersion::V4;       // ternd's --relay-ip, and where the peer listens
  Auth auth = Auth::LongTerm;
  std::vector<std::string> ternd_flags = {};  // appended to ternd's
};

void PrintTo(const UclientCase& c, std::ostream* os) {
  *os << c.name;
}

std::string ip_of(IpVersion v) {
  return v == IpVersion::V4 ? "127.0.0.1" : "::1";
}

std::string joined(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

std::string joined_lines(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

std::vector<std::string> ternd_args(IpVersion relay, Auth auth) {
  // The peer is on loopback, which the default peer policy refuses.
  std::vector<std::string> args{"--relay-ip", ip_of(relay), "--allow-loopback-peers", "--realm",
                                kRealm};
  if (auth == Auth::Rest) {
    args.insert(args.end(), {"--use-auth-secret", "--static-auth-secret", kRestSecret});
  } else {
    args.insert(args.end(), {"--user", std::string(kUser) + ":" + kPassword});
  }
  // A UDP run leaves its probe pair allocated until the lifetime ends: 256 is plenty.
  if (auto window = free_udp_port_range(256, kQuietRelayWindow)) {
    auto window_args = window->args();
    args.insert(args.end(), window_args.begin(), window_args.end());
  } else {
    std::cout << "note: no free relay port window below 32768; ternd uses its default range\n";
  }
  return args;
}

struct UclientTarget {
  std::string server_ip;
  uint16_t server_port = 0;
  TransportAddress peer;
};

// -v for the relay addresses and reservation tokens uclient prints only then.
std::vector<std::string> uclient_argv(const UclientTarget& t, const std::vector<std::string>& flags,
                                      const std::vector<std::string>& credentials) {
  std::vector<std::string> argv{kUclient, "-v", "-u", kUser};
  argv.insert(argv.end(), credentials.begin(), credentials.end());
  argv.insert(argv.end(), {"-e", t.peer.ip_string(), "-r", std::to_string(t.peer.port), "-p",
                           std::to_string(t.server_port), "-n", std::to_string(kMessages), "-m",
                           std::to_string(kClients), "-l", "120"});
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.push_back(t.server_ip);
  return argv;
}

std::optional<uint64_t> counter(const std::optional<std::map<std::string, uint64_t>>& counters,
                                const std::string& name) {
  if (!counters) return std::nullopt;
  auto it = counters->find(name);
  if (it == counters->end()) return std::nullopt;
  return it->second;
}

bool tools_installed() {
  return std::filesystem::exists(kUclient) && std::filesystem::exists(kTurnutilsPeer);
}

// One uclient run against a ternd, with everything a failure message needs.
struct Outcome {
  CommandResult run;
  UclientReport report;
  std::optional<std::map<std::string, uint64_t>> counters;
  bool peer_alive = false;
  std::string context;
};

Outcome run_uclient(TerndProcess& ternd, TurnutilsPeer& peer, const UclientTarget& target,
                    const std::vector<std::string>& flags,
                    const std::vector<std::string>& credentials, bool tls) {
  Outcome o;
  auto argv = uclient_argv(target, flags, credentials);
  // Into ternd's directory, which a failed test keeps: the whole output for the post-mortem.
  o.run = run_command(argv, ternd.dir(), kUclientDeadline);
  o.peer_alive = peer.running();
  ExitStatus ternd_exit = ternd.stop();
  o.counters = parse_counters(ternd.log());
  o.report = read_uclient_output(o.run.out + o.run.err, {.tls_version_probing = tls});
  o.context = "uclient: " + joined(argv) + "\nuclient: " + o.run.status.describe() +
              "\nuclient output (tail; all of it in " + (ternd.dir() / "command.stdout").string() +
              "):\n" + tail(o.run.out + o.run.err, 40) + "\nternd: " + ternd_exit.describe() +
              "\n" + ternd.diagnostics() + "\nturnutils_peer output:\n" + peer.output();
  return o;
}

class UclientInterop : public ::testing::TestWithParam<UclientCase> {
 protected:
  void SetUp() override {
    if (!tools_installed()) {
      GTEST_SKIP() << kUclient << " or " << kTurnutilsPeer
                   << " not installed (apt-get install coturn; make test does)";
    }
    const auto& c = GetParam();
    if ((c.client == IpVersion::V6 || c.relay == IpVersion::V6) && !ipv6_loopback_available()) {
      GTEST_SKIP() << "no IPv6 loopback on this machine";
    }
  }
};

TEST_P(UclientInterop, EveryMessageComesBackThroughTheRelay) {
  const auto& c = GetParam();
  bool tls = c.transport == Transport::Tls || c.transport == Transport::Dtls;
  auto args = ternd_args(c.relay, c.auth);
  args.insert(args.end(), c.ternd_flags.begin(), c.ternd_flags.end());
  auto ternd = TerndProcess::start({.args = args, .tls = tls});
  ASSERT_TRUE(ternd) << ternd.error();
  auto peer = TurnutilsPeer::start(c.relay);
  ASSERT_TRUE(peer) << peer.error();
  UclientTarget target{ip_of(c.client), tls ? ternd->tls_port() : ternd->port(), peer->address()};
  std::vector<std::string> credentials = c.auth == Auth::Rest
                                             ? std::vector<std::string>{"-W", kRestSecret}
                                             : std::vector<std::string>{"-w", kPassword};
  auto o = run_uclient(*ternd, *peer, target, c.flags, credentials, tls);
  const auto& r = o.report;

  ASSERT_TRUE(o.run.status.clean()) << o.context;
  EXPECT_TRUE(r.error_lines.empty()) << "uclient printed errors:\n"
                                     << joined_lines(r.error_lines) << o.context;
  ASSERT_TRUE(r.lost && r.sent && r.received) << "no summary in uclient's output\n" << o.context;
  EXPECT_EQ(*r.sent, kMessages * kClients) << o.context;
  // Over TLS uclient reads one record as one message, so this also shows that ternd writes
  // every relayed message as a TLS record of its own.
  EXPECT_EQ(*r.lost, 0u) << o.context;
  EXPECT_EQ(*r.received, *r.sent) << o.context;
  EXPECT_TRUE(o.peer_alive) << o.context;

  // uclient makes an RTP/RTCP pair per two clients: the RTP Allocate asks for EVEN-PORT
  // with the R bit, the RTCP one presents the RESERVATION-TOKEN it got.
  ASSERT_GE(r.allocations.size(), kClients) << o.context;
  size_t reservations = 0;
  for (const auto& a : r.allocations) {
    EXPECT_EQ(a.relay_ip, ip_of(c.relay)) << "relay family follows --relay-ip\n" << o.context;
    reservations += a.reserved_next_port ? 1 : 0;
  }
  EXPECT_GE(reservations, kClients / 2) << o.context;
  EXPECT_EQ(even_port_pair_violation(r.allocations), std::nullopt) << o.context;

  if (std::ranges::find(c.flags, "-M") != c.flags.end()) {
    // RFC 8016: uclient -M reconnects from a new source port after each Allocate and
    // moves its allocation there with the ticket; zero loss above shows relaying followed.
    size_t moved = 0;
    const std::string log = ternd->log();
    for (size_t at = log.find("allocation moved"); at != std::string::npos;
         at = log.find("allocation moved", at + 1)) {
      ++moved;
    }
    EXPECT_GE(moved, kClients) << o.context;
    // With eight workers all four moves stay on their worker once in 4096 runs.
    EXPECT_NE(log.find("allocation handed over"), std::string::npos)
        << "no move went to another worker\n"
        << o.context;
  }
  ASSERT_TRUE(o.counters) << "ternd logged no counters line\n" << o.context;
  EXPECT_EQ(counter(o.counters, "allocations_created"), r.allocations.size()) << o.context;
  EXPECT_EQ(counter(o.counters, "auth_failures"), 0u) << o.context;
  for (const char* drop :
       {"peer_denied", "peer_dropped_no_permission", "client_dropped_no_permission",
        "dropped_unbound_channel", "relay_send_failures", "stream_relay_drops"}) {
    EXPECT_EQ(counter(o.counters, drop), 0u) << drop << "\n" << o.context;
  }
  // Every data message went through ternd's client side on the transport under test.
  if (c.transport == Transport::Udp) {
    EXPECT_GE(counter(o.counters, "udp_in").value_or(0), *r.sent) << o.context;
    EXPECT_GE(counter(o.counters, "udp_out").value_or(0), *r.received) << o.context;
  } else if (c.transport == Transport::Dtls) {
    // One DTLS association per allocation, each after a cookie round trip.
    EXPECT_GE(counter(o.counters, "dtls_handshakes").value_or(0), r.allocations.size())
        << o.context;
    // (uclient first offers DTLS 1.0, which ternd refuses: those handshakes fail.)
    EXPECT_EQ(counter(o.counters, "stream_accepted"), 0u) << o.context;
  } else {
    // Nothing but the start-up Binding probes came over UDP.
    EXPECT_LE(counter(o.counters, "udp_in").value_or(0),
              counter(o.counters, "binding_requests").value_or(0))
        << o.context;
    EXPECT_GE(counter(o.counters, "stream_accepted").value_or(0), r.allocations.size())
        << o.context;
  }
}

// uclient 4.6 takes REQUESTED-ADDRESS-FAMILY from the peer address (-e): with an IPv6
// peer it asks for an IPv6 relay (-x alone, with an IPv4 peer, still sends IPv4; checked
// on the wire).
INSTANTIATE_TEST_SUITE_P(
    Turnutils, UclientInterop,
    ::testing::Values(
        UclientCase{"Udp_Channels", {}}, UclientCase{"Udp_SendIndications", {"-s"}},
        UclientCase{"Tcp_Channels", {"-t"}, Transport::Tcp},
        UclientCase{"Tcp_SendIndications", {"-t", "-s"}, Transport::Tcp},
        UclientCase{"Tls_Channels", {"-S", "-t"}, Transport::Tls},
        UclientCase{"Tls_SendIndications", {"-S", "-t", "-s"}, Transport::Tls},
        UclientCase{"Dtls_Channels", {"-S"}, Transport::Dtls},
        UclientCase{"Udp_DontFragment", {"-g"}},
        // Eight workers: a client's new source port almost always hashes to another
        // worker than its allocation's, which then moves there (README, mobility).
        UclientCase{"Udp_Mobility",
                    {"-M"},
                    Transport::Udp,
                    IpVersion::V4,
                    IpVersion::V4,
                    Auth::LongTerm,
                    {"--mobility", "--relay-threads", "8"}},
        UclientCase{
            "Udp_Ipv4ClientIpv6Relay", {"-x"}, Transport::Udp, IpVersion::V4, IpVersion::V6},
        UclientCase{
            "Udp_Ipv6ClientIpv6Relay", {"-x"}, Transport::Udp, IpVersion::V6, IpVersion::V6},
        UclientCase{
            "Udp_RestCredentials", {}, Transport::Udp, IpVersion::V4, IpVersion::V4, Auth::Rest}),
    [](const auto& info) { return info.param.name; });

// RFC 6062 between uclient's own clients (-T implies -t -y -c): in each pair one client
// Connects to the other's TCP relayed address, the other hears of it by ConnectionAttempt
// (it made a permission first), both bind data connections, and every message crosses
// ternd's TCP relays both ways. -S: the same over TLS.
class UclientTcpRelay : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kUclient)) GTEST_SKIP() << kUclient << " not installed";
  }
};

TEST_P(UclientTcpRelay, ClientToClient_EveryMessageArrives) {
  const bool tls = GetParam();
  auto ternd = TerndProcess::start({.args = ternd_args(IpVersion::V4, Auth::LongTerm), .tls = tls});
  ASSERT_TRUE(ternd) << ternd.error();
  std::vector<std::string> argv{kUclient, "-T",
                                "-u",     kUser,
                                "-w",     kPassword,
                                "-p",     std::to_string(tls ? ternd->tls_port() : ternd->port()),
                                "-n",     std::to_string(kMessages),
                                "-m",     std::to_string(kClients),
                                "-l",     "120"};
  if (tls) argv.push_back("-S");
  argv.push_back(ip_of(IpVersion::V4));
  CommandResult run = run_command(argv, ternd->dir(), kUclientDeadline);
  ExitStatus ternd_exit = ternd->stop();
  auto counters = parse_counters(ternd->log());
  UclientReport r = read_uclient_output(run.out + run.err, {.tls_version_probing = tls});
  const std::string context = "uclient: " + joined(argv) + "\nuclient: " + run.status.describe() +
                              "\n" + tail(run.out + run.err, 40) +
                              "\nternd: " + ternd_exit.describe() + "\n" + ternd->diagnostics();
  // When the first client of a pair deletes its allocation, its connections close, and
  // over TLS its partner's last read or write may meet the closed data connection (after
  // the counts below were taken).
  std::erase_if(r.error_lines, [](const std::string& line) {
    return line.find("SSL write error") != std::string::npos ||
           line.find("unexpected eof while reading") != std::string::npos ||
           line.find("Unexpected error while reading: rc=0") != std::string::npos;
  });
  ASSERT_TRUE(run.status.clean()) << context;
  EXPECT_TRUE(r.error_lines.empty()) << joined_lines(r.error_lines) << context;
  ASSERT_TRUE(r.lost && r.sent && r.received) << "no summary in uclient's output\n" << context;
  EXPECT_EQ(*r.sent, kMessages * kClients) << context;
  EXPECT_EQ(*r.lost, 0u) << context;
  EXPECT_EQ(*r.received, *r.sent) << context;
  EXPECT_GE(counter(counters, "allocations_created").value_or(0), kClients) << context;
  EXPECT_EQ(counter(counters, "peer_denied"), 0u) << context;
  EXPECT_EQ(counter(counters, "peer_dropped_no_permission"), 0u) << context;
}

INSTANTIATE_TEST_SUITE_P(Turnutils, UclientTcpRelay, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Tls" : "Tcp"; });

// The refusals: a client that is told no must not get an allocation, and uclient must
// see the refusal (so the passes above are not a client that ignores errors).
class UclientRefused : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!tools_installed()) GTEST_SKIP() << kUclient << " not installed (apt-get install coturn)";
  }

  Outcome refused(IpVersion relay, Auth auth, IpVersion peer_version,
                  const std::vector<std::string>& credentials,
                  const std::vector<std::string>& flags = {}) {
    auto ternd = TerndProcess::start({.args = ternd_args(relay, auth)});
    EXPECT_TRUE(ternd) << ternd.error();
    if (!ternd) return {};
    auto peer = TurnutilsPeer::start(peer_version);
    EXPECT_TRUE(peer) << peer.error();
    if (!peer) return {};
    UclientTarget target{ip_of(IpVersion::V4), ternd->port(), peer->address()};
    return run_uclient(*ternd, *peer, target, flags, credentials, false);
  }

  static bool printed(const Outcome& o, const std::string& text) {
    return (o.run.out + o.run.err).find(text) != std::string::npos;
  }
};

TEST_F(UclientRefused, WrongPassword_NoAllocation) {
  auto o = refused(IpVersion::V4, Auth::LongTerm, IpVersion::V4, {"-w", "not-the-password"});
  EXPECT_FALSE(o.run.status.clean()) << o.context;
  EXPECT_TRUE(printed(o, "Cannot complete Allocation")) << o.context;
  EXPECT_EQ(counter(o.counters, "allocations_created"), 0u) << o.context;
  EXPECT_GT(counter(o.counters, "auth_failures").value_or(0), 0u) << o.context;
}

TEST_F(UclientRefused, RestCredentialsFromAnotherSecret_NoAllocation) {
  auto o = refused(IpVersion::V4, Auth::Rest, IpVersion::V4, {"-W", "not-the-secret"});
  EXPECT_FALSE(o.run.status.clean()) << o.context;
  EXPECT_TRUE(printed(o, "Cannot complete Allocation")) << o.context;
  EXPECT_EQ(counter(o.counters, "allocations_created"), 0u) << o.context;
  EXPECT_GT(counter(o.counters, "auth_failures").value_or(0), 0u) << o.context;
}

TEST_F(UclientRefused, Ipv6RelayAskedWithoutIpv6RelayIp_Is440) {
  if (!ipv6_loopback_available()) GTEST_SKIP() << "no IPv6 loopback on this machine";
  auto o = refused(IpVersion::V4, Auth::LongTerm, IpVersion::V6, {"-w", kPassword}, {"-x"});
  EXPECT_FALSE(o.run.status.clean()) << o.context;
  EXPECT_TRUE(printed(o, "error 440")) << o.context;
  EXPECT_EQ(counter(o.counters, "allocations_created"), 0u) << o.context;
}

}  // namespace
}  // namespace tern::test
