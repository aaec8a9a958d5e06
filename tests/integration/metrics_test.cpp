// /metrics of a real ternd, driven as clients drive it: authentication failures by reason,
// drops by reason, relayed traffic by the client's transport, and the two histograms,
// whose exposition must be valid Prometheus (cumulative buckets, +Inf equal to _count).

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_probe.h"
#include "tests/support/rest_mint.h"
#include "tests/support/ternd_on_free_ports.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using Samples = std::map<std::string, std::string>;

class Metrics : public TurnTest {
 protected:
  // TurnTest's server (relay 127.0.0.1, loopback peers allowed, alice in tern.test) with
  // /metrics on a port of its own; picked again when another process took it first.
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(start_with({})); }

  // `extra` after the defaults; a running ternd is stopped first.
  void start_with(const std::vector<std::string>& extra) {
    ternd_.reset();
    auto started = start_ternd_on_free_ports(1, [&](std::span<const uint16_t> ports) {
      std::vector<std::string> args = {
          "--relay-ip", "127.0.0.1",           "--allow-loopback-peers",
          "--user",     "alice:secret",        "--realm",
          kRealm,       "--prometheus-listen", "127.0.0.1:" + std::to_string(ports[0])};
      args.insert(args.end(), extra.begin(), extra.end());
      return args;
    });
    ASSERT_TRUE(started) << started.error();
    port_ = started->ports[0];
    ternd_.emplace(std::move(started->ternd));
  }

  // One scrape's samples by name and labels; every line must be HELP, TYPE or a sample.
  Samples scrape() {
    auto r = http("GET", "/metrics", std::nullopt, port_);
    EXPECT_TRUE(r && r->status == 200);
    if (!r) return {};
    body_ = r->body;
    const std::regex sample(
        R"((tern|process)_[a-z_]+(\{[a-z]+="[^"]*"(,[a-z]+="[^"]*")*\})? [0-9]+(\.[0-9]+)?)");
    const std::regex comment(R"(# (HELP|TYPE) (tern|process)_[a-z_]+ .+)");
    std::istringstream lines(r->body);
    Samples values;
    for (std::string line; std::getline(lines, line);) {
      EXPECT_TRUE(std::regex_match(line, sample) || std::regex_match(line, comment)) << line;
      if (line.starts_with('#')) continue;
      values[line.substr(0, line.rfind(' '))] = line.substr(line.rfind(' ') + 1);
    }
    return values;
  }

  // Scrapes until `done` holds (a worker may still be finishing the pass that counted),
  // for at most 10 s; the last scrape either way.
  Samples scrape_until(const std::function<bool(Samples&)>& done) {
    Samples s;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    do {
      s = scrape();
      if (done(s)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < deadline);
    return s;
  }

  // A histogram's series in exposition order: valid when `le` rises, the counts never
  // fall, +Inf comes last and equals _count. Returns _count.
  uint64_t valid_histogram(const std::string& name) {
    const std::regex bucket(name + R"re(_bucket\{le="([^"]+)"\} ([0-9]+))re");
    std::istringstream lines(body_);
    std::vector<std::pair<std::string, uint64_t>> buckets;
    for (std::string line; std::getline(lines, line);) {
      std::smatch m;
      if (std::regex_match(line, m, bucket)) buckets.emplace_back(m[1], std::stoull(m[2]));
    }
    EXPECT_GE(buckets.size(), 2u) << body_;
    if (buckets.empty()) return 0;
    for (size_t i = 1; i < buckets.size(); ++i) {
      EXPECT_GE(buckets[i].second, buckets[i - 1].second) << name << " le=" << buckets[i].first;
      if (i + 1 < buckets.size()) {
        EXPECT_GT(std::stod(buckets[i].first), std::stod(buckets[i - 1].first)) << name;
      }
    }
    EXPECT_EQ(buckets.back().first, "+Inf") << name;
    const Samples s = scrape_of(body_);
    EXPECT_EQ(s.count(name + "_sum"), 1u) << name;
    EXPECT_EQ(s.at(name + "_count"), std::to_string(buckets.back().second)) << name;
    EXPECT_NE(body_.find("# TYPE " + name + " histogram\n"), std::string::npos) << name;
    EXPECT_NE(body_.find("# HELP " + name + " Seconds "), std::string::npos) << name;
    return buckets.back().second;
  }

  static Samples scrape_of(const std::string& body) {
    std::istringstream lines(body);
    Samples values;
    for (std::string line; std::getline(lines, line);) {
      if (!line.starts_with('#'))
        values[line.substr(0, line.rfind(' '))] = line.substr(line.rfind(' ') + 1);
    }
    return values;
  }

  uint16_t port_ = 0;
  std::string body_;  // the last scrape's text
};

TEST_F(Metrics, WrongPasswordAndUnknownUser_CountEachUnderItsReason) {
  auto wrong = connect(Transport::Udp, IpVersion::V4, {.password = "not-the-secret"});
  auto unknown = connect(Transport::Udp, IpVersion::V4, {.username = "mallory"});
  ASSERT_TRUE(wrong && unknown);
  ASSERT_TRUE(IsError(wrong->allocate(), 401));
  ASSERT_TRUE(IsError(unknown->allocate(), 401));
  // The answers came back, so the worker counted them before it sent them.
  Samples s = scrape();
  EXPECT_EQ(s["tern_auth_failures_total{reason=\"bad_integrity\"}"], "1") << body_;
  EXPECT_EQ(s["tern_auth_failures_total{reason=\"unknown_user\"}"], "1") << body_;
  EXPECT_EQ(s["tern_auth_failures_total{reason=\"stale_nonce\"}"], "0") << body_;
  EXPECT_EQ(s.count("tern_auth_failures_total"), 0u) << "no unlabelled series beside them";
  EXPECT_EQ(s["tern_auth_challenges_total"], "2");  // each client's first request
}

TEST_F(Metrics, ExpiredRestCredential_CountsAsExpiredCredential) {
  constexpr char kSecret[] = "metrics-rest-secret";
  ASSERT_NO_FATAL_FAILURE(start_with({"--use-auth-secret", "--static-auth-secret", kSecret}));
  auto c =
      connect(Transport::Udp, IpVersion::V4, rest_credentials(kSecret, unix_now() - 10, "alice"));
  ASSERT_TRUE(c);
  ASSERT_TRUE(IsError(c->allocate(), 401));
  Samples s = scrape();
  EXPECT_EQ(s["tern_auth_failures_total{reason=\"expired_credential\"}"], "1") << body_;
  EXPECT_EQ(s["tern_auth_failures_total{reason=\"bad_integrity\"}"], "0") << body_;
}

TEST_F(Metrics, StaleNonce_CountsAsStaleNonce) {
  ASSERT_NO_FATAL_FAILURE(start_with({"--stale-nonce=1"}));
  auto c = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  ASSERT_TRUE(IsError(
      c->send_request(stun::Method::Allocate, allocate_body({}), {.integrity = false}), 401));
  // Valid through the second after it was issued, stale from the one after that.
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  ASSERT_TRUE(IsError(c->send_request(stun::Method::Allocate, allocate_body({})), 438));
  Samples s = scrape();
  EXPECT_EQ(s["tern_auth_failures_total{reason=\"stale_nonce\"}"], "1") << body_;
}

TEST_F(Metrics, NotStun_IsCountedInDroppedTotalByReason) {
  auto c = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->send_raw(Bytes(20, 0xff)));  // first two bits 11: neither STUN nor ChannelData
  Samples s =
      scrape_until([](Samples& s) { return s["tern_dropped_total{reason=\"not_stun\"}"] == "1"; });
  EXPECT_EQ(s["tern_dropped_total{reason=\"not_stun\"}"], "1") << body_;
  EXPECT_EQ(s["tern_dropped_total{reason=\"unbound_channel\"}"], "0") << body_;
  EXPECT_EQ(s.count("tern_dropped_not_stun_total"), 0u) << "one name for every reason";
}

TEST_F(Metrics, UnboundChannelAndNoPermission_AreDropReasons_TheREADMEsNameKept) {
  auto c = allocated(Transport::Udp, IpVersion::V4);
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(c && p);
  ASSERT_TRUE(c->send_channel_data(0x4000, Bytes(8, 1)));      // no such channel
  ASSERT_TRUE(c->send_indication(p->address(), Bytes(8, 2)));  // no permission
  Samples s = scrape_until([](Samples& s) {
    return s["tern_dropped_total{reason=\"unbound_channel\"}"] == "1" &&
           s["tern_dropped_total{reason=\"client_no_permission\"}"] == "1";
  });
  EXPECT_EQ(s["tern_dropped_total{reason=\"unbound_channel\"}"], "1") << body_;
  EXPECT_EQ(s["tern_dropped_total{reason=\"client_no_permission\"}"], "1") << body_;
  // README named this one before tern_dropped_total: it stays.
  EXPECT_EQ(s["tern_client_dropped_no_permission_total"], "1") << body_;
  EXPECT_EQ(s.count("tern_dropped_unbound_channel_total"), 0u);
}

TEST_F(Metrics, RelayedTraffic_IsCountedUnderTheClientsTransport) {
  auto tcp = allocated(Transport::Tcp, IpVersion::V4);
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(tcp && p);
  ASSERT_TRUE(IsSuccess(tcp->create_permission({p->address()})));
  constexpr int kPackets = 3;
  for (int i = 0; i < kPackets; ++i) {
    ASSERT_TRUE(tcp->send_indication(p->address(), Bytes(100, 0x42)));
    auto at_peer = p->receive();
    ASSERT_TRUE(at_peer) << to_string(at_peer.error());
    ASSERT_TRUE(p->send_to(tcp->relayed(Family::V4), Bytes(30, 'x')));
    auto at_client = tcp->receive_data();
    ASSERT_TRUE(at_client) << to_string(at_client.error());
  }
  const std::string tcp_to_client =
      "tern_relayed_packets_total{direction=\"to_client\",transport=\"tcp\"}";
  Samples s =
      scrape_until([&](Samples& s) { return s[tcp_to_client] == std::to_string(kPackets); });
  EXPECT_EQ(s[tcp_to_client], std::to_string(kPackets)) << body_;
  EXPECT_EQ(s["tern_relayed_packets_total{direction=\"to_peer\",transport=\"tcp\"}"],
            std::to_string(kPackets));
  EXPECT_EQ(s["tern_relayed_bytes_total{direction=\"to_peer\",transport=\"tcp\"}"],
            std::to_string(kPackets * 100));
  EXPECT_EQ(s["tern_relayed_bytes_total{direction=\"to_client\",transport=\"tcp\"}"],
            std::to_string(kPackets * 30));
  for (const char* t : {"udp", "tls"}) {
    for (const char* d : {"to_peer", "to_client"}) {
      EXPECT_EQ(s[std::string("tern_relayed_packets_total{direction=\"") + d + "\",transport=\"" +
                  t + "\"}"],
                "0")
          << d << " " << t;
    }
  }
}

TEST_F(Metrics, Histograms_ObserveEveryAllocateAnswerAndEveryDeletion_AndAreValid) {
  scrape();
  EXPECT_EQ(valid_histogram("tern_allocate_latency_seconds"), 0u);
  EXPECT_EQ(valid_histogram("tern_allocation_duration_seconds"), 0u);

  auto c = allocated(Transport::Udp, IpVersion::V4);  // a 401, then the allocation
  ASSERT_TRUE(c);
  ASSERT_TRUE(IsSuccess(c->refresh(0)));
  // The table deletes the allocation before the Refresh answer leaves.
  scrape();
  EXPECT_EQ(valid_histogram("tern_allocate_latency_seconds"), 2u) << body_;
  EXPECT_EQ(valid_histogram("tern_allocation_duration_seconds"), 1u) << body_;
  const Samples s = scrape_of(body_);
  // It lived well under an hour, however slow the machine.
  EXPECT_EQ(s.at("tern_allocation_duration_seconds_bucket{le=\"3600\"}"), "1");
  EXPECT_LT(std::stod(s.at("tern_allocation_duration_seconds_sum")), 3600.0);
  EXPECT_GT(std::stod(s.at("tern_allocate_latency_seconds_sum")), 0.0);
}

}  // namespace
}  // namespace tern::test
