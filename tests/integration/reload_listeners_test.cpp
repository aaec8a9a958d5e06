// Reload changes listeners, relay addresses and alternate servers without dropping
// anything: a listener added takes clients, one removed takes no new client while the
// allocations made through it keep relaying; an address in use refuses the whole reload;
// a relay IP added takes new allocations, one removed takes none but keeps relaying for
// those it has; an alternate server added sends new Allocates away with 300.

#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "base/socket_address.h"
#include "tests/support/certs.h"
#include "tests/support/free_ports.h"
#include "tests/support/http_probe.h"
#include "tests/support/stun_requests.h"
#include "tests/support/tcp_peer.h"
#include "tests/support/temp_dir.h"
#include "tests/support/ternctl.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

constexpr char kToken[] = "reload-listeners-test-token";

class ReloadListenersTest : public TurnTest {
 protected:
  // ternd on its usual loopback ports (IPv4 only), reading `conf_` too; the relay IPs
  // come from the file, so a reload may take one away.
  void start_with_config(const std::string& config, std::vector<std::string> extra = {}) {
    ASSERT_TRUE(write_file(conf_, config));
    std::vector<std::string> args{"--allow-loopback-peers", "--user", "alice:secret", "-c",
                                  conf_.string()};
    // The file's realm, when it names one: the command line's would win over it.
    if (config.find("realm=") == std::string::npos) args.insert(args.end(), {"--realm", kRealm});
    args.insert(args.end(), extra.begin(), extra.end());
    auto t = TerndProcess::start({.args = std::move(args)});
    ASSERT_TRUE(t) << t.error();
    ternd_.emplace(std::move(*t));
  }

  size_t log_count(const std::string& text) {
    const std::string log = ternd().log();
    size_t n = 0;
    for (size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++n;
    return n;
  }

  // Rewrites the config file, sends SIGHUP and waits for `outcome` in the log (or for a
  // refusal, when `outcome` is not one).
  void reload(const std::string& config, const std::string& outcome) {
    const std::string refused = "reload refused";
    const size_t before = log_count(outcome);
    const size_t refused_before = log_count(refused);
    ASSERT_TRUE(write_file(conf_, config));
    ASSERT_TRUE(ternd().send_signal(SIGHUP));
    for (auto until = std::chrono::steady_clock::now() + 20s;
         std::chrono::steady_clock::now() < until && log_count(outcome) == before &&
         log_count(refused) == refused_before;) {
      std::this_thread::sleep_for(20ms);
    }
    ASSERT_GT(log_count(outcome), before) << "no \"" << outcome << "\" line\n"
                                          << ternd().diagnostics();
  }

  // The workers take a reload's listeners a moment after the log says so: a client
  // that connects too early is refused, so it tries again for a while.
  std::optional<TurnClient> allocated_eventually(Transport t, const TransportAddress& at) {
    for (auto until = std::chrono::steady_clock::now() + 10s;
         std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(50ms)) {
      auto c = TurnClient::connect(t, at, {.username = "alice", .password = "secret"});
      if (!c) continue;
      auto r = c->allocate({.family = Family::V4});
      if (r && r->is_success()) return std::move(*c);
    }
    ADD_FAILURE() << "no allocation through " << to_string(t) << " " << at.to_string() << "\n"
                  << ternd().diagnostics();
    return std::nullopt;
  }

  // A client allocated on `server` whose relayed address is on `relay_ip` (relay IPs
  // are taken in turn, so a few tries find it).
  std::optional<TurnClient> allocated_on(const std::string& relay_ip) {
    for (int i = 0; i < 8; ++i) {
      auto c = allocated(Transport::Udp, IpVersion::V4, {.family = Family::V4});
      if (!c) return std::nullopt;
      if (c->relayed(Family::V4).ip_string() == relay_ip) return c;
    }
    ADD_FAILURE() << "no allocation on " << relay_ip;
    return std::nullopt;
  }

  static TransportAddress at(uint16_t port) {
    auto a = parse_ip("127.0.0.1");
    a->port = port;
    return *a;
  }

  static uint16_t spare_port() {
    auto ports = pick_server_ports(false);
    return ports ? ports->main : 0;
  }

  TempDir dir_;
  std::filesystem::path conf_ = dir_ / "ternd.conf";
};

TEST_F(ReloadListenersTest, ListenerAdded_TakesUdpAndTcpAllocations) {
  ASSERT_NO_FATAL_FAILURE(start_with_config(""));
  const uint16_t port = spare_port();
  ASSERT_NE(port, 0);
  const std::string aux = "127.0.0.1:" + std::to_string(port);
  ASSERT_NO_FATAL_FAILURE(reload("aux-server=" + aux + "\n", "listening on UDP " + aux));
  EXPECT_NE(ternd().log().find("listening on TCP " + aux), std::string::npos)
      << ternd().diagnostics();
  EXPECT_TRUE(allocated_eventually(Transport::Udp, at(port)));
  EXPECT_TRUE(allocated_eventually(Transport::Tcp, at(port)));
}

TEST_F(ReloadListenersTest, ListenerRemoved_RefusesNewClients_AllocationsThroughItKeepRelaying) {
  const uint16_t port = spare_port();
  ASSERT_NE(port, 0);
  const std::string aux = "127.0.0.1:" + std::to_string(port);
  ASSERT_NO_FATAL_FAILURE(start_with_config("aux-server=" + aux + "\n"));
  auto udp = allocated_eventually(Transport::Udp, at(port));
  auto tcp = allocated_eventually(Transport::Tcp, at(port));
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(udp && tcp && p);
  ASSERT_TRUE(IsSuccess(udp->create_permission({p->address()})));
  ASSERT_TRUE(IsSuccess(tcp->create_permission({p->address()})));

  ASSERT_NO_FATAL_FAILURE(reload("", "no longer listening on UDP " + aux));
  // The workers retire the sockets a moment after the log line: wait for TCP to refuse.
  bool refused = false;
  for (auto until = std::chrono::steady_clock::now() + 10s;
       !refused && std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(50ms)) {
    refused = !StunClient::connect(Transport::Tcp, at(port), 1000ms);
  }
  EXPECT_TRUE(refused) << "a new TCP connection to " << aux << " was still accepted";
  // A new UDP source gets no answer, not even to a Binding.
  auto stranger = StunClient::connect(Transport::Udp, at(port));
  ASSERT_TRUE(stranger) << stranger.error();
  EXPECT_FALSE(stranger->exchange(binding_request(), 1000ms)) << "a new UDP client was served";

  ASSERT_NO_FATAL_FAILURE(relays(*udp, *p, "UDP after the listener went"));
  ASSERT_NO_FATAL_FAILURE(relays(*tcp, *p, "TCP after the listener went"));
  EXPECT_TRUE(IsSuccess(udp->refresh(600)));
  EXPECT_TRUE(IsSuccess(tcp->refresh(600)));
  // The main listener serves as before.
  EXPECT_TRUE(allocated(Transport::Udp, IpVersion::V4, {.family = Family::V4}));
}

TEST_F(ReloadListenersTest, ListenerPortInUse_RefusesTheReload_TernctlExitsNonZero) {
  if (!std::filesystem::exists(ternctl_path())) GTEST_SKIP() << "no ternctl built";
  const uint16_t admin_port = free_tcp_port();
  const std::string admin = "127.0.0.1:" + std::to_string(admin_port);
  ASSERT_NO_FATAL_FAILURE(
      start_with_config("user-quota=5\n", {"--admin-listen", admin, "--admin-token", kToken}));
  if (ternd().log().find("admin API on") == std::string::npos) {
    GTEST_SKIP() << "another process took the admin port";
  }
  // Another program holds the port (bound without SO_REUSEPORT, as most are).
  auto squatter = UdpPeer::open(at(0));
  ASSERT_TRUE(squatter) << squatter.error();
  const std::string taken = squatter->address().to_string();
  ASSERT_TRUE(write_file(conf_, "user-quota=1\naux-server=" + taken + "\n"));
  const auto run = run_ternctl({"reload", "--server", admin, "--token", kToken}, ternd().dir());
  EXPECT_FALSE(run.status.clean()) << run.out;
  const std::string said = run.out + run.err;
  EXPECT_NE(said.find("reload refused: UDP " + taken + " is already in use"), std::string::npos)
      << said;
  // The configuration in force stays whole: the old listener serves, user-quota is 5.
  auto first = allocated(Transport::Udp, IpVersion::V4, {.family = Family::V4});
  auto second = allocated(Transport::Udp, IpVersion::V4, {.family = Family::V4});
  EXPECT_TRUE(first && second) << "user-quota=1 applied from a refused reload";
}

TEST_F(ReloadListenersTest, TlsTurnedOn_NewTlsListenerAllocates_TurnedOff_ItsConnectionStays) {
  ASSERT_NO_FATAL_FAILURE(start_with_config(""));
  auto cert = make_self_signed_cert(dir_.path());
  ASSERT_TRUE(cert) << cert.error();
  const uint16_t port = spare_port();
  ASSERT_NE(port, 0);
  const std::string tls = "cert=" + cert->cert.string() + "\npkey=" + cert->key.string() +
                          "\ntls-listening-port=" + std::to_string(port) + "\n";
  ASSERT_NO_FATAL_FAILURE(reload(tls, "TLS on, certificate for new connections"));
  auto c = allocated_eventually(Transport::Tls, at(port));
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(c && p);
  ASSERT_TRUE(IsSuccess(c->create_permission({p->address()})));

  ASSERT_NO_FATAL_FAILURE(
      reload("", "no longer listening on TLS 127.0.0.1:" + std::to_string(port)));
  ASSERT_NO_FATAL_FAILURE(relays(*c, *p, "TLS after TLS went off"));
  bool refused = false;
  for (auto until = std::chrono::steady_clock::now() + 10s;
       !refused && std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(50ms)) {
    refused = !StunClient::connect(Transport::Tls, at(port), 1000ms);
  }
  EXPECT_TRUE(refused) << "a new TLS connection was still accepted";
}

TEST_F(ReloadListenersTest, RelayIpAdded_NewAllocationsGetIt) {
  ASSERT_NO_FATAL_FAILURE(start_with_config("relay-ip=127.0.0.1\n"));
  ASSERT_NO_FATAL_FAILURE(reload("relay-ip=127.0.0.1\nrelay-ip=127.0.0.2\n",
                                 "relay-ip: new allocations on 127.0.0.1, 127.0.0.2"));
  auto c = allocated_on("127.0.0.2");
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(c && p);
  ASSERT_TRUE(IsSuccess(c->create_permission({p->address()})));
  ASSERT_NO_FATAL_FAILURE(relays(*c, *p, "through the new relay IP"));
}

TEST_F(ReloadListenersTest, RelayIpRemoved_ItsAllocationKeepsRelaying_NewOnesNeverGetIt) {
  ASSERT_NO_FATAL_FAILURE(start_with_config("relay-ip=127.0.0.1\nrelay-ip=127.0.0.2\n"));
  auto held = allocated_on("127.0.0.2");
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(held && p);
  ASSERT_TRUE(IsSuccess(held->create_permission({p->address()})));

  ASSERT_NO_FATAL_FAILURE(
      reload("relay-ip=127.0.0.1\n", "relay-ip 127.0.0.2 takes no new allocation"));
  std::set<std::string> new_relay_ips;
  std::vector<TurnClient> fresh;  // held, so no two get the same port
  for (int i = 0; i < 4; ++i) {
    auto c = allocated(Transport::Udp, IpVersion::V4, {.family = Family::V4});
    ASSERT_TRUE(c);
    new_relay_ips.insert(c->relayed(Family::V4).ip_string());
    fresh.push_back(std::move(*c));
  }
  EXPECT_EQ(new_relay_ips, std::set<std::string>{"127.0.0.1"});
  ASSERT_NO_FATAL_FAILURE(relays(*held, *p, "on the retired relay IP"));
  EXPECT_TRUE(IsSuccess(held->refresh(600)));
  ASSERT_NO_FATAL_FAILURE(relays(*held, *p, "after its refresh"));
}

TEST_F(ReloadListenersTest, ExternalIpAdded_NewAllocationsAdvertiseIt_OldOneKeepsItsAddress) {
  ASSERT_NO_FATAL_FAILURE(start_with_config("relay-ip=127.0.0.1\n"));
  auto held = allocated(Transport::Udp, IpVersion::V4, {.family = Family::V4});
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(held && p);
  ASSERT_EQ(held->relayed(Family::V4).ip_string(), "127.0.0.1");
  ASSERT_TRUE(IsSuccess(held->create_permission({p->address()})));

  ASSERT_NO_FATAL_FAILURE(reload("relay-ip=127.0.0.1\nexternal-ip=127.0.0.5/127.0.0.1\n",
                                 "external-ip: new allocations advertise 127.0.0.5"));
  auto fresh = allocated(Transport::Udp, IpVersion::V4, {.family = Family::V4});
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->relayed(Family::V4).ip_string(), "127.0.0.5");
  ASSERT_NO_FATAL_FAILURE(relays(*held, *p, "made before the mapping"));
}

TEST_F(ReloadListenersTest, AlternateServerAdded_AllocateGets300) {
  ASSERT_NO_FATAL_FAILURE(start_with_config(""));
  ASSERT_TRUE(allocated(Transport::Udp, IpVersion::V4, {.family = Family::V4}));
  ASSERT_NO_FATAL_FAILURE(
      reload("alternate-server=127.0.0.9:3478\n", "alternate-server: 1 plain, 0 TLS"));
  auto c = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  EXPECT_TRUE(IsError(c->allocate({.family = Family::V4}), 300));
}

TEST_F(ReloadListenersTest, RealmChanged_IsRefused_SayingWhy) {
  const std::string realm = std::string("realm=") + kRealm + "\n";
  ASSERT_NO_FATAL_FAILURE(start_with_config(realm));
  ASSERT_NO_FATAL_FAILURE(reload("realm=other.test\n", "reload refused: realm: changed"));
  EXPECT_NE(ternd().log().find("would refuse the Refresh of every allocation in force"),
            std::string::npos)
      << ternd().diagnostics();
  EXPECT_TRUE(allocated(Transport::Udp, IpVersion::V4, {.family = Family::V4}));
}

// The admin API's and /metrics' listeners follow a reload too; an unchanged one is not
// touched, so a connection still sending its request gets its answer.
class ReloadAdminTest : public ReloadListenersTest {
 protected:
  static std::string admin_config(uint16_t port, const std::string& token,
                                  const std::string& more = "") {
    return "admin-listen=127.0.0.1:" + std::to_string(port) + "\nadmin-token=" + token + "\n" +
           more;
  }

  // An admin request whose headers are not all sent yet; finish() sends the rest and reads
  // the status line.
  struct HeldRequest {
    TcpStream stream;
    std::string finish(const std::string& token) {
      const std::string rest = "Authorization: Bearer " + token + "\r\n\r\n";
      if (!stream.send_all(std::span(reinterpret_cast<const uint8_t*>(rest.data()), rest.size())))
        return "not sent";
      auto status = stream.receive_exact(12);
      return status ? std::string(status->begin(), status->end()) : "no answer";
    }
  };
  static std::optional<HeldRequest> held_request(uint16_t port) {
    auto s = TcpStream::connect(at(0), at(port));
    if (!s) return std::nullopt;
    const std::string start = "GET /v1/stats HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!s->send_all(std::span(reinterpret_cast<const uint8_t*>(start.data()), start.size())))
      return std::nullopt;
    return HeldRequest{std::move(*s)};
  }

  // The status `http` gets, asked until it is `expected` or 10 s pass (the admin thread
  // takes a reload a moment after the log says so); 0 for no answer.
  static int status_eventually(const std::string& target, const std::string& token, uint16_t port,
                               int expected) {
    int seen = 0;
    for (auto until = std::chrono::steady_clock::now() + 10s;
         std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(50ms)) {
      auto r = http("GET", target, token, port);
      seen = r ? r->status : 0;
      if (seen == expected) break;
    }
    return seen;
  }
};

// Through `ternctl reload` on the old address: the answer comes back on the connection the
// old listener accepted, after that listener closed.
TEST_F(ReloadAdminTest, AdminListenMoved_NewAddressAnswers_OldOneCloses) {
  if (!std::filesystem::exists(ternctl_path())) GTEST_SKIP() << "no ternctl built";
  const uint16_t before = free_tcp_port(), after = free_tcp_port();
  ASSERT_NE(before, after);
  ASSERT_NO_FATAL_FAILURE(start_with_config(admin_config(before, kToken)));
  if (ternd().log().find("admin API on") == std::string::npos) {
    GTEST_SKIP() << "another process took the admin port";
  }
  ASSERT_TRUE(write_file(conf_, admin_config(after, kToken)));
  const auto run =
      run_ternctl({"reload", "--server", "127.0.0.1:" + std::to_string(before), "--token", kToken},
                  ternd().dir());
  EXPECT_TRUE(run.status.clean()) << run.out << run.err << ternd().diagnostics();
  EXPECT_NE(run.out.find("admin API on 127.0.0.1:" + std::to_string(after)), std::string::npos)
      << run.out;
  EXPECT_EQ(status_eventually("/v1/stats", kToken, after, 200), 200) << ternd().diagnostics();
  EXPECT_EQ(status_eventually("/v1/stats", kToken, before, 0), 0)
      << "the old admin address still answers";
}

TEST_F(ReloadAdminTest, AdminListenPortInUse_RefusesTheReload_OldAddressServes) {
  const uint16_t before = free_tcp_port();
  ASSERT_NO_FATAL_FAILURE(start_with_config(admin_config(before, kToken, "user-quota=5\n")));
  if (ternd().log().find("admin API on") == std::string::npos) {
    GTEST_SKIP() << "another process took the admin port";
  }
  auto squatter = TcpListener::open(at(0));
  ASSERT_TRUE(squatter) << squatter.error();
  const std::string taken = squatter->address().to_string();
  ASSERT_NO_FATAL_FAILURE(
      reload("admin-listen=" + taken + "\nadmin-token=" + kToken + "\nuser-quota=1\n",
             "reload refused: admin-listen " + taken));
  EXPECT_EQ(status_eventually("/v1/stats", kToken, before, 200), 200);
  auto first = allocated(Transport::Udp, IpVersion::V4, {.family = Family::V4});
  auto second = allocated(Transport::Udp, IpVersion::V4, {.family = Family::V4});
  EXPECT_TRUE(first && second) << "user-quota=1 applied from a refused reload";
}

TEST_F(ReloadAdminTest, TokenChangedAndMetricsOn_UnchangedAdminListenerKeepsItsConnection) {
  const uint16_t admin = free_tcp_port(), metrics = free_tcp_port();
  ASSERT_NE(admin, metrics);
  ASSERT_NO_FATAL_FAILURE(start_with_config(admin_config(admin, "old-token")));
  if (ternd().log().find("admin API on") == std::string::npos) {
    GTEST_SKIP() << "another process took the admin port";
  }
  auto held = held_request(admin);
  ASSERT_TRUE(held);
  const std::string prometheus = "prometheus-listen=127.0.0.1:" + std::to_string(metrics) + "\n";
  ASSERT_NO_FATAL_FAILURE(
      reload(admin_config(admin, "new-token", prometheus), "admin API token replaced"));
  EXPECT_EQ(status_eventually("/v1/stats", "new-token", admin, 200), 200);
  EXPECT_EQ(status_eventually("/v1/stats", "old-token", admin, 401), 401);
  EXPECT_EQ(status_eventually("/metrics", "", metrics, 200), 200) << ternd().diagnostics();
  // The admin listener was not touched: the connection opened before the reload is
  // answered, under the token now in force.
  EXPECT_EQ(held->finish("new-token"), "HTTP/1.1 200");

  ASSERT_NO_FATAL_FAILURE(reload(admin_config(admin, "new-token"), "metrics off"));
  EXPECT_EQ(status_eventually("/metrics", "", metrics, 0), 0) << "/metrics still answers";
}

// The admin token follows the startup rule on a reload too (admin_token.h): admin-token
// wins; without it admin-token-file's token is read, or the token is written there, and
// with nowhere to write one the admin API is off. One line per change, never the token.
class ReloadAdminTokenTest : public ReloadAdminTest {
 protected:
  static std::string listen(uint16_t port) {
    return "admin-listen=127.0.0.1:" + std::to_string(port) + "\n";
  }
  static std::string token_file(const std::filesystem::path& file) {
    return "admin-token-file=" + file.string() + "\n";
  }
  // The token on `file`'s first line, "" without one.
  static std::string token_in(const std::filesystem::path& file) {
    std::string text = read_file(file);
    return text.substr(0, text.find('\n'));
  }
  void start_admin(const std::string& config) {
    ASSERT_NO_FATAL_FAILURE(start_with_config(config));
    if (ternd().log().find("admin API on") == std::string::npos) {
      GTEST_SKIP() << "another process took the admin port";
    }
  }
  void expect_not_logged(const std::string& token) {
    EXPECT_EQ(ternd().log().find(token), std::string::npos) << "the token is in the log";
  }

  const uint16_t admin_ = free_tcp_port();
  const std::filesystem::path file_ = dir_ / "admin-token";
};

TEST_F(ReloadAdminTokenTest, AdminTokenSet_ReplacesTheGeneratedOne_WhoseFileGoes) {
  ASSERT_NO_FATAL_FAILURE(start_admin(listen(admin_) + token_file(file_)));
  const std::string generated = token_in(file_);
  ASSERT_EQ(generated.size(), 43u) << ternd().diagnostics();
  ASSERT_EQ(status_eventually("/v1/stats", generated, admin_, 200), 200);
  ASSERT_NO_FATAL_FAILURE(
      reload(admin_config(admin_, kToken, token_file(file_)),
             "admin API token replaced, from admin-token (was in " + file_.string() + ")"));
  EXPECT_EQ(status_eventually("/v1/stats", kToken, admin_, 200), 200) << ternd().diagnostics();
  EXPECT_EQ(status_eventually("/v1/stats", generated, admin_, 401), 401);
  // It held a token the API no longer takes, which ternctl would have read.
  EXPECT_FALSE(std::filesystem::exists(file_));
  expect_not_logged(generated);
  expect_not_logged(kToken);
}

TEST_F(ReloadAdminTokenTest, AdminTokenRemoved_ANewOneIsGeneratedIntoAdminTokenFile) {
  ASSERT_NO_FATAL_FAILURE(start_admin(admin_config(admin_, kToken, token_file(file_))));
  EXPECT_FALSE(std::filesystem::exists(file_)) << "admin-token's token written to a file";
  ASSERT_NO_FATAL_FAILURE(
      reload(listen(admin_) + token_file(file_),
             "admin API token replaced, in " + file_.string() + " (was from admin-token)"));
  const std::string generated = token_in(file_);
  ASSERT_EQ(generated.size(), 43u) << ternd().diagnostics();
  EXPECT_EQ(status_eventually("/v1/stats", generated, admin_, 200), 200) << ternd().diagnostics();
  EXPECT_EQ(status_eventually("/v1/stats", kToken, admin_, 401), 401);
  if (std::filesystem::exists(ternctl_path())) {
    const auto stats = run_ternctl({"stats", "--server", "127.0.0.1:" + std::to_string(admin_),
                                    "--token-file", file_.string()},
                                   ternd().dir());
    EXPECT_TRUE(stats.status.clean()) << stats.out << stats.err;
  }
  expect_not_logged(generated);
  // A reload that changes nothing keeps the generated token.
  ASSERT_NO_FATAL_FAILURE(
      reload(listen(admin_) + token_file(file_) + "user-quota=5\n", "configuration reloaded"));
  EXPECT_EQ(token_in(file_), generated);
  EXPECT_EQ(status_eventually("/v1/stats", generated, admin_, 200), 200);
}

TEST_F(ReloadAdminTokenTest, AdminTokenRemoved_NowhereToWriteOne_AdminApiOffAsAtStartup) {
  ASSERT_NO_FATAL_FAILURE(start_admin(admin_config(admin_, kToken)));
  ASSERT_NO_FATAL_FAILURE(reload(listen(admin_), "admin API off: no admin-token"));
  EXPECT_EQ(status_eventually("/v1/stats", kToken, admin_, 0), 0) << "the admin API still answers";
  ASSERT_NO_FATAL_FAILURE(
      reload(admin_config(admin_, kToken), "admin API on, token from admin-token"));
  EXPECT_EQ(status_eventually("/v1/stats", kToken, admin_, 200), 200) << ternd().diagnostics();
}

TEST_F(ReloadAdminTokenTest, AdminTokenFileChanged_ItsTokenApplies_OrTheTokenMovesThere) {
  const auto a = dir_ / "token-a", b = dir_ / "token-b", c = dir_ / "token-c";
  ASSERT_TRUE(write_file(a, "provisioned-a\n"));
  ASSERT_TRUE(write_file(b, "provisioned-b\n"));
  ASSERT_NO_FATAL_FAILURE(start_admin(listen(admin_) + token_file(a)));
  ASSERT_EQ(status_eventually("/v1/stats", "provisioned-a", admin_, 200), 200);
  ASSERT_NO_FATAL_FAILURE(
      reload(listen(admin_) + token_file(b), "admin API token replaced, read from " + b.string()));
  EXPECT_EQ(status_eventually("/v1/stats", "provisioned-b", admin_, 200), 200)
      << ternd().diagnostics();
  EXPECT_EQ(status_eventually("/v1/stats", "provisioned-a", admin_, 401), 401);
  // An empty file: the token in force is written there, as ternctl will look there.
  ASSERT_NO_FATAL_FAILURE(
      reload(listen(admin_) + token_file(c), "admin API token kept, now in " + c.string()));
  EXPECT_EQ(token_in(c), "provisioned-b");
  EXPECT_EQ(status_eventually("/v1/stats", "provisioned-b", admin_, 200), 200);
  EXPECT_EQ(token_in(a), "provisioned-a") << "the operator's file was touched";
  EXPECT_EQ(token_in(b), "provisioned-b") << "the operator's file was touched";
  expect_not_logged("provisioned-");
}

// web-admin follows a reload: the console's page at / comes and goes at once, one log line
// each way, and a reload that leaves it alone says nothing of it.
TEST_F(ReloadAdminTest, WebAdminTurnedOnThenOff_PageServedThenGone) {
  const uint16_t admin = free_tcp_port();
  const std::string base = admin_config(admin, kToken);
  ASSERT_NO_FATAL_FAILURE(start_with_config(base));
  if (ternd().log().find("admin API on") == std::string::npos) {
    GTEST_SKIP() << "another process took the admin port";
  }
  // Without the console, / is an API path like any other: no token, 401.
  ASSERT_EQ(status_eventually("/", "", admin, 401), 401);
  const std::string on = "web console on http://127.0.0.1:" + std::to_string(admin) + "/";
  ASSERT_NO_FATAL_FAILURE(reload(base + "web-admin\n", on));
  EXPECT_EQ(status_eventually("/", "", admin, 200), 200) << ternd().diagnostics();
  auto page = http("GET", "/", std::nullopt, admin);
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find("data-test=\"login\""), std::string::npos) << page->body;

  ASSERT_NO_FATAL_FAILURE(reload(base + "web-admin\nuser-quota=3\n", "configuration reloaded"));
  EXPECT_EQ(log_count(on), 1u) << ternd().diagnostics();
  EXPECT_EQ(status_eventually("/", "", admin, 200), 200);

  ASSERT_NO_FATAL_FAILURE(reload(base, "web console off (web-admin)"));
  EXPECT_EQ(status_eventually("/", "", admin, 401), 401) << "the page is still served";
  EXPECT_EQ(log_count("web console off"), 1u) << ternd().diagnostics();
  EXPECT_EQ(log_count(on), 1u) << ternd().diagnostics();
}

// The web console's overview (GET /v1/stats: listeners, relay_addresses) shows the
// reloaded plan, not the one ternd started with.
TEST_F(ReloadAdminTest, ListenerAndRelayIpAdded_StatsListThem) {
  const uint16_t admin = free_tcp_port();
  const std::string base = admin_config(admin, kToken, "relay-ip=127.0.0.1\n");
  ASSERT_NO_FATAL_FAILURE(start_with_config(base));
  if (ternd().log().find("admin API on") == std::string::npos) {
    GTEST_SKIP() << "another process took the admin port";
  }
  const uint16_t port = spare_port();
  ASSERT_NE(port, 0);
  const std::string aux = "127.0.0.1:" + std::to_string(port);
  ASSERT_NO_FATAL_FAILURE(
      reload(base + "relay-ip=127.0.0.2\naux-server=" + aux + "\n", "listening on UDP " + aux));
  std::string body;
  for (auto until = std::chrono::steady_clock::now() + 10s;
       std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(50ms)) {
    auto r = http("GET", "/v1/stats", kToken, admin);
    body = r ? r->body : "";
    if (body.find("\"udp " + aux + "\"") != std::string::npos) break;
  }
  EXPECT_NE(body.find("\"udp " + aux + "\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"relay_addresses\":[\"127.0.0.1\",\"127.0.0.2\"]"), std::string::npos)
      << body;
}

}  // namespace
}  // namespace tern::test
