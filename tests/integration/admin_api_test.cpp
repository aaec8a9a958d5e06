// ternd's admin API and /metrics against a real ternd: sessions made by a real TURN
// client are listed with their fields, killed (the client's next Refresh gets 437), and
// counted; the token is required; a generated token lands in a 0600 file.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <charconv>
#include <chrono>
#include <ctime>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "base/json_value.h"
#include "tests/support/admin_socket.h"
#include "tests/support/http_probe.h"
#include "tests/support/ternd_on_free_ports.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using tern::JsonValue;

constexpr const char* kToken = "s3cr3t-admin-t0ken";

// The integer `v` holds; -1 when it is missing or not an integer, so that a missing
// counter never passes for a zero one.
int64_t number(const JsonValue* v) {
  const std::string text = v ? v->number_text() : std::string();
  int64_t n = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size() ? n : -1;
}

std::string text(const JsonValue* v) {
  const auto* s = v ? v->string() : nullptr;
  return s ? *s : "(missing)";
}

// 100 bytes from `client` through its relay to `peer` and 30 back, each checked where it
// lands: once the client has the peer's, ternd has relayed (and counted) both, however
// late a loaded ternd ran. ASSERT_NO_FATAL_FAILURE(exchange(...)).
void exchange(TurnClient& client, UdpPeer& peer) {
  ASSERT_TRUE(client.send_indication(peer.address(), Bytes(100, 0x42)));
  auto at_peer = peer.receive();
  ASSERT_TRUE(at_peer) << to_string(at_peer.error());
  ASSERT_EQ(at_peer->data.size(), 100u);
  ASSERT_TRUE(peer.send_to(client.relayed(Family::V4), Bytes(30, 'x')));
  auto at_client = client.receive_data();
  ASSERT_TRUE(at_client) << to_string(at_client.error());
  ASSERT_EQ(at_client->data.size(), 30u);
}

class AdminApi : public TurnTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(start_with({"--admin-token", kToken})); }

  // TurnTest's server (relay 127.0.0.1, loopback peers allowed, alice in tern.test) with
  // bob, two workers, the admin API and /metrics on ports of their own, and `admin` (how
  // the API knows its token). TurnTest::start cannot pick those ports again when another
  // process took one first, as it fails the test at once.
  void start_with(const std::vector<std::string>& admin) {
    auto started = start_ternd_on_free_ports(2, [&](std::span<const uint16_t> ports) {
      std::vector<std::string> args = {"--relay-ip",
                                       "127.0.0.1",
                                       "--allow-loopback-peers",
                                       "--user",
                                       "alice:secret",
                                       "--realm",
                                       kRealm,
                                       "--user",
                                       "bob:bpass",
                                       "--relay-threads",
                                       "2",
                                       "--admin-listen",
                                       "127.0.0.1:" + std::to_string(ports[0]),
                                       "--prometheus-listen",
                                       "127.0.0.1:" + std::to_string(ports[1])};
      args.insert(args.end(), admin.begin(), admin.end());
      return args;
    });
    ASSERT_TRUE(started) << started.error();
    admin_port_ = started->ports[0];
    metrics_port_ = started->ports[1];
    ternd_.emplace(std::move(started->ternd));
  }

  std::optional<HttpReply> get(const std::string& target,
                               const std::optional<std::string>& token = kToken) {
    return http("GET", target, token, admin_port_);
  }

  // The JSON body of a 200 reply, or a test failure.
  JsonValue json_of(const std::optional<HttpReply>& r) {
    EXPECT_TRUE(r) << "no reply";
    if (!r) return {};
    EXPECT_EQ(r->status, 200) << r->body;
    auto v = JsonValue::parse(r->body);
    EXPECT_TRUE(v) << "not JSON: " << r->body;
    return v.value_or(JsonValue{});
  }

  // A UDP client of `user` with an allocation; nullopt (and a failure) otherwise.
  std::optional<TurnClient> session(const std::string& user, const std::string& password) {
    return allocated(Transport::Udp, IpVersion::V4, {}, {.username = user, .password = password});
  }

  const JsonValue::Array& sessions(const JsonValue& v) {
    static const JsonValue::Array kEmpty;
    return v.array() ? *v.array() : kEmpty;
  }

  // A scrape's samples by name and labels; every line must be a comment (HELP or TYPE) or
  // a sample: name, optional labels, value.
  static std::map<std::string, std::string> metric_values(const std::string& body) {
    const std::regex sample(
        R"((tern|process)_[a-z_]+(\{[a-z]+="[^"]*"(,[a-z]+="[^"]*")*\})? [0-9]+(\.[0-9]+)?)");
    const std::regex comment(R"(# (HELP|TYPE) (tern|process)_[a-z_]+ .+)");
    std::istringstream lines(body);
    std::map<std::string, std::string> values;
    for (std::string line; std::getline(lines, line);) {
      EXPECT_TRUE(std::regex_match(line, sample) || std::regex_match(line, comment)) << line;
      if (line.starts_with('#')) continue;
      values[line.substr(0, line.rfind(' '))] = line.substr(line.rfind(' ') + 1);
    }
    return values;
  }

  uint16_t admin_port_ = 0, metrics_port_ = 0;
};

TEST_F(AdminApi, Sessions_ListAnAllocationWithEveryField) {
  const auto began = std::chrono::steady_clock::now();
  const std::time_t created_after = std::time(nullptr);
  auto alice = session("alice", "secret");
  ASSERT_TRUE(alice);
  const TransportAddress peer = TransportAddress::v4({127, 0, 0, 1}, 40000);
  ASSERT_TRUE(IsSuccess(alice->create_permission({peer})));
  ASSERT_TRUE(IsSuccess(alice->channel_bind(0x4000, peer)));

  const JsonValue list = json_of(get("/v1/sessions"));
  const std::time_t listed_by = std::time(nullptr);
  // Lifetimes count down from the requests; a loaded machine may take seconds to list.
  const int64_t waited =
      std::chrono::ceil<std::chrono::seconds>(std::chrono::steady_clock::now() - began).count();
  ASSERT_EQ(sessions(list).size(), 1u) << ternd().diagnostics();
  const JsonValue& s = sessions(list)[0];
  EXPECT_TRUE(std::regex_match(text(s.member("id")), std::regex("00[12][0-9]{15}")));
  EXPECT_EQ(text(s.member("user")), "alice");
  EXPECT_EQ(text(s.member("realm")), kRealm);
  EXPECT_EQ(text(s.member("transport")), "udp");
  EXPECT_EQ(text(s.member("client")), alice->local_address().to_string());
  EXPECT_EQ(text(s.member("server")), "127.0.0.1:" + std::to_string(ternd().port()));
  ASSERT_TRUE(s.member("relayed") && s.member("relayed")->array());
  ASSERT_EQ(s.member("relayed")->array()->size(), 1u);
  EXPECT_EQ(text(&(*s.member("relayed")->array())[0]), alice->relayed(Family::V4).to_string());
  EXPECT_GE(number(s.member("lifetime")), 600 - waited - 1);
  EXPECT_LE(number(s.member("lifetime")), 600);
  EXPECT_GE(number(s.member("created")), static_cast<int64_t>(created_after));
  EXPECT_LE(number(s.member("created")), static_cast<int64_t>(listed_by));
  for (const char* counter :
       {"bytes_to_peer", "packets_to_peer", "bytes_to_client", "packets_to_client"}) {
    EXPECT_EQ(number(s.member(counter)), 0) << counter;
  }
  const auto* permissions = s.member("permissions");
  ASSERT_TRUE(permissions && permissions->array());
  ASSERT_EQ(permissions->array()->size(), 1u);
  EXPECT_EQ(text((*permissions->array())[0].member("ip")), "127.0.0.1");
  EXPECT_GE(number((*permissions->array())[0].member("lifetime")), 300 - waited - 1);
  const auto* channels = s.member("channels");
  ASSERT_TRUE(channels && channels->array());
  ASSERT_EQ(channels->array()->size(), 1u);
  EXPECT_EQ(number((*channels->array())[0].member("number")), 0x4000);
  EXPECT_EQ(text((*channels->array())[0].member("peer")), "127.0.0.1:40000");
  EXPECT_GE(number((*channels->array())[0].member("lifetime")), 600 - waited - 1);
  const int64_t worker = number(s.member("worker"));
  EXPECT_TRUE(worker == 0 || worker == 1) << worker;
}

TEST_F(AdminApi, Sessions_CountTrafficEachWay) {
  auto alice = session("alice", "secret");
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(alice && p);
  ASSERT_TRUE(IsSuccess(alice->create_permission({p->address()})));
  ASSERT_NO_FATAL_FAILURE(exchange(*alice, *p));

  // The worker may still be finishing the pass of its loop that relayed it.
  JsonValue s;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    const JsonValue list = json_of(get("/v1/sessions"));
    ASSERT_EQ(sessions(list).size(), 1u);
    s = sessions(list)[0];
    if (number(s.member("packets_to_client")) == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(number(s.member("packets_to_peer")), 1);
  EXPECT_EQ(number(s.member("bytes_to_peer")), 100);
  EXPECT_EQ(number(s.member("packets_to_client")), 1);
  EXPECT_EQ(number(s.member("bytes_to_client")), 30);
}

TEST_F(AdminApi, Sessions_UserFilter_ListsOnlyThatUser) {
  auto alice = session("alice", "secret");
  auto bob = session("bob", "bpass");
  ASSERT_TRUE(alice && bob);
  EXPECT_EQ(sessions(json_of(get("/v1/sessions"))).size(), 2u);
  const JsonValue only_bob = json_of(get("/v1/sessions?user=bob"));
  ASSERT_EQ(sessions(only_bob).size(), 1u);
  EXPECT_EQ(text(sessions(only_bob)[0].member("user")), "bob");
  EXPECT_TRUE(sessions(json_of(get("/v1/sessions?user=carol"))).empty());
}

TEST_F(AdminApi, KillById_RemovesTheSession_AndTheClientsRefreshGets437) {
  auto alice = session("alice", "secret");
  auto bob = session("bob", "bpass");
  ASSERT_TRUE(alice && bob);
  const JsonValue list = json_of(get("/v1/sessions?user=alice"));
  ASSERT_EQ(sessions(list).size(), 1u);
  const std::string id = text(sessions(list)[0].member("id"));

  auto killed = http("DELETE", "/v1/sessions/" + id, kToken, admin_port_);
  EXPECT_EQ(number(json_of(killed).member("killed")), 1);
  EXPECT_TRUE(IsError(alice->refresh(600), 437));
  EXPECT_TRUE(IsSuccess(bob->refresh(600)));
  const JsonValue after = json_of(get("/v1/sessions"));
  ASSERT_EQ(sessions(after).size(), 1u);
  EXPECT_EQ(text(sessions(after)[0].member("user")), "bob");

  auto again = http("DELETE", "/v1/sessions/" + id, kToken, admin_port_);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 404);
  EXPECT_EQ(text(JsonValue::parse(again->body).value_or(JsonValue{}).member("error")),
            "no session " + id);
}

TEST_F(AdminApi, KillByUser_RemovesEveryOneOfThatUserOnly) {
  auto alice1 = session("alice", "secret");
  auto alice2 = session("alice", "secret");
  auto bob = session("bob", "bpass");
  ASSERT_TRUE(alice1 && alice2 && bob);
  auto killed = http("POST", "/v1/sessions/kill?user=alice", kToken, admin_port_);
  EXPECT_EQ(number(json_of(killed).member("killed")), 2);
  EXPECT_TRUE(IsError(alice1->refresh(600), 437));
  EXPECT_TRUE(IsError(alice2->refresh(600), 437));
  EXPECT_TRUE(IsSuccess(bob->refresh(600)));
  // The quota and the counters saw the deletions.
  const JsonValue stats = json_of(get("/v1/stats"));
  EXPECT_EQ(number(stats.member("allocations")), 1);
  EXPECT_EQ(number(stats.member("counters")->member("allocations_deleted")), 2);
  // The log says why they went (the kill is answered after the worker removed them).
  const std::string log = ternd().log();
  size_t killed_lines = 0;
  for (size_t at = 0; (at = log.find(" reason=killed ", at)) != std::string::npos; ++at) {
    ++killed_lines;
  }
  EXPECT_EQ(killed_lines, 2u) << log;
}

TEST_F(AdminApi, WrongOrMissingToken_Is401_WhateverThePath) {
  for (const char* path : {"/v1/sessions", "/v1/stats", "/nothing", "/metrics"}) {
    SCOPED_TRACE(path);
    for (const auto& token : {std::optional<std::string>{}, std::optional<std::string>{"wrong"},
                              std::optional<std::string>{std::string(kToken) + "x"}}) {
      auto r = get(path, token);
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 401);
      EXPECT_EQ(r->headers["www-authenticate"], "Bearer realm=\"ternd\"");
    }
  }
  auto alice = session("alice", "secret");
  ASSERT_TRUE(alice);
  auto r = http("POST", "/v1/sessions/kill?user=alice", "nope", admin_port_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_TRUE(IsSuccess(alice->refresh(600))) << "an unauthorized kill must not kill";
}

TEST_F(AdminApi, BadRoutesAndQueries_AreRefused) {
  auto status = [&](const std::string& method, const std::string& target) {
    auto r = http(method, target, kToken, admin_port_);
    return r ? r->status : -1;
  };
  EXPECT_EQ(status("GET", "/v1/nothing"), 404);
  EXPECT_EQ(status("GET", "/v1/../etc/passwd"), 404);
  EXPECT_EQ(status("DELETE", "/v1/sessions/abc"), 404);
  EXPECT_EQ(status("DELETE", "/v1/sessions/100000000000000001"), 404);  // no worker 99
  EXPECT_EQ(status("DELETE", "/v1/sessions/0-1"), 404);                 // not an id
  EXPECT_EQ(status("DELETE", "/v1/sessions/+0-1"), 404);
  EXPECT_EQ(status("POST", "/v1/sessions"), 405);
  EXPECT_EQ(status("GET", "/v1/sessions/kill?user=x"), 405);
  EXPECT_EQ(status("POST", "/v1/sessions/kill"), 400);  // a kill without a user
  EXPECT_EQ(status("POST", "/v1/sessions/kill?usr=x"), 400);
  EXPECT_EQ(status("POST", "/v1/sessions/kill?user=x&user=y"), 400);
  EXPECT_EQ(status("GET", "/v1/sessions?user="), 400);
}

TEST_F(AdminApi, Stats_CountAllocationsPerWorkerAndSumCounters) {
  auto alice = session("alice", "secret");
  auto bob = session("bob", "bpass");
  ASSERT_TRUE(alice && bob);
  const JsonValue stats = json_of(get("/v1/stats"));
  EXPECT_FALSE(text(stats.member("version")).empty());
  EXPECT_GE(number(stats.member("uptime")), 0);
  EXPECT_EQ(number(stats.member("workers")), 2);
  EXPECT_EQ(number(stats.member("allocations")), 2);
  const auto* per_worker = stats.member("worker_allocations");
  ASSERT_TRUE(per_worker && per_worker->array());
  ASSERT_EQ(per_worker->array()->size(), 2u);
  EXPECT_EQ(number(&(*per_worker->array())[0]) + number(&(*per_worker->array())[1]), 2);
  const auto* counters = stats.member("counters");
  ASSERT_TRUE(counters);
  EXPECT_EQ(number(counters->member("allocations_created")), 2);
  EXPECT_EQ(number(counters->member("auth_challenges")), 2);  // one 401 per client
}

TEST_F(AdminApi, Metrics_ScrapeParsesAndCarriesTheNumbers) {
  auto alice = session("alice", "secret");
  ASSERT_TRUE(alice);
  auto r = http("GET", "/metrics", std::nullopt, metrics_port_);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  const auto values = metric_values(r->body);
  EXPECT_EQ(values.at("tern_allocations_created_total"), "1");
  EXPECT_EQ(values.at("tern_workers"), "2");
  EXPECT_EQ(std::stoi(values.at("tern_worker_allocations{worker=\"0\"}")) +
                std::stoi(values.at("tern_worker_allocations{worker=\"1\"}")),
            1);
  EXPECT_EQ(values.at("tern_allocations{transport=\"udp\",family=\"ipv4\"}"), "1");
  EXPECT_EQ(values.at("tern_allocations{transport=\"tcp\",family=\"ipv4\"}"), "0");
  // ternd's own numbers, from /proc: it has sockets open and has been running a while.
  EXPECT_GT(std::stoull(values.at("process_resident_memory_bytes")), 0u);
  EXPECT_GE(std::stoull(values.at("process_open_fds")), 4u);
  EXPECT_GE(std::stod(values.at("process_cpu_seconds_total")), 0.0);
  EXPECT_GT(std::stod(values.at("process_start_time_seconds")), 1.6e9);
  EXPECT_LE(std::stod(values.at("process_start_time_seconds")),
            static_cast<double>(std::time(nullptr)) + 1);
  EXPECT_EQ(http("GET", "/other", std::nullopt, metrics_port_)->status, 404);
}

TEST_F(AdminApi, Metrics_CountRelayedPacketsAndPayloadBytesEachWay) {
  auto alice = session("alice", "secret");
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(alice && p);
  ASSERT_TRUE(IsSuccess(alice->create_permission({p->address()})));
  auto tcp = allocated(Transport::Tcp, IpVersion::V4);
  ASSERT_TRUE(tcp);
  // In lockstep, so no socket buffer overflows however slowly ternd runs.
  constexpr int kPackets = 20;
  for (int i = 0; i < kPackets; ++i) {
    ASSERT_NO_FATAL_FAILURE(exchange(*alice, *p));
  }
  // The worker may still be finishing the pass of its loop that relayed the last one.
  std::map<std::string, std::string> values;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    auto r = http("GET", "/metrics", std::nullopt, metrics_port_);
    ASSERT_TRUE(r && r->status == 200);
    values = metric_values(r->body);
    if (values["tern_relayed_packets_total{direction=\"to_client\",transport=\"udp\"}"] ==
        std::to_string(kPackets)) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(values["tern_relayed_packets_total{direction=\"to_peer\",transport=\"udp\"}"],
            std::to_string(kPackets));
  EXPECT_EQ(values["tern_relayed_bytes_total{direction=\"to_peer\",transport=\"udp\"}"],
            std::to_string(kPackets * 100));
  EXPECT_EQ(values["tern_relayed_packets_total{direction=\"to_client\",transport=\"udp\"}"],
            std::to_string(kPackets));
  EXPECT_EQ(values["tern_relayed_bytes_total{direction=\"to_client\",transport=\"udp\"}"],
            std::to_string(kPackets * 30));
  EXPECT_EQ(values["tern_allocations{transport=\"udp\",family=\"ipv4\"}"], "1");
  EXPECT_EQ(values["tern_allocations{transport=\"tcp\",family=\"ipv4\"}"], "1");
  EXPECT_EQ(values["tern_allocations{transport=\"tls\",family=\"ipv4\"}"], "0");
}

TEST_F(AdminApi, NoToken_GeneratesOneIntoA0600File_ThatTheApiAccepts) {
  ternd_.reset();
  TempDir dir;
  const std::string file = (dir.path() / "admin-token").string();
  ASSERT_NO_FATAL_FAILURE(start_with({"--admin-token-file", file}));
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0) << ternd().diagnostics();
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string token = read_file(file);
  ASSERT_EQ(token.size(), 44u) << token;  // 43 base64url characters and a newline
  token.pop_back();
  EXPECT_EQ(get("/v1/stats", token)->status, 200);
  EXPECT_EQ(get("/v1/stats", kToken)->status, 401);
}

TEST_F(AdminApi, UnixSocket_ServesTheApi) {
  ternd_.reset();
  const AdminSocket admin(kToken);
  const std::string path = admin.path().string();
  auto t = TerndProcess::start({admin.args()});
  ASSERT_TRUE(t) << t.error();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto r = admin.request("GET", "/v1/stats");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  t->stop();
  EXPECT_NE(::stat(path.c_str(), &st), 0) << "the socket is removed at exit";
}

}  // namespace
}  // namespace tern::test
