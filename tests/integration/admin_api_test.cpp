// ternd's admin API and /metrics against a real ternd: sessions made by a real TURN
// client are listed with their fields, killed (the client's next Refresh gets 437), and
// counted; the token is required; a generated token lands in a 0600 file.

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/stat.h>

#include <chrono>
#include <cstring>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "tests/admin/http_probe.h"
#include "tests/admin/json_reader.h"
#include "tests/admin/turn_session.h"
#include "tests/support/ternd_process.h"

namespace tern::test {
namespace {

using admin_test::free_tcp_port;
using admin_test::http;
using admin_test::HttpReply;
using admin_test::JsonReader;
using admin_test::JsonValue;
using admin_test::TurnSession;

constexpr const char* kToken = "s3cr3t-admin-t0ken";
constexpr const char* kRealm = "example.org";

double number(const JsonValue* v) {
  const auto* d = v ? std::get_if<double>(&v->v) : nullptr;
  return d ? *d : -1;
}

std::string text(const JsonValue* v) {
  const auto* s = v ? v->string() : nullptr;
  return s ? *s : "(missing)";
}

class AdminApi : public ::testing::Test {
 protected:
  void SetUp() override {
    admin_port_ = free_tcp_port();
    metrics_port_ = free_tcp_port();
    start({});
  }

  void start(std::vector<std::string> extra) {
    std::vector<std::string> args = {"--realm",
                                     kRealm,
                                     "--user",
                                     "alice:apass",
                                     "--user",
                                     "bob:bpass",
                                     "--allow-loopback-peers",
                                     "--relay-threads",
                                     "2",
                                     "--admin-listen",
                                     "127.0.0.1:" + std::to_string(admin_port_),
                                     "--prometheus-listen",
                                     "127.0.0.1:" + std::to_string(metrics_port_)};
    if (extra.empty()) extra = {"--admin-token", kToken};
    args.insert(args.end(), extra.begin(), extra.end());
    auto t = TerndProcess::start({args});
    ASSERT_TRUE(t) << t.error();
    ternd_.emplace(std::move(*t));
  }

  std::optional<HttpReply> get(const std::string& target,
                               std::optional<std::string> token = kToken) {
    return http("GET", target, std::move(token), admin_port_);
  }

  // The JSON body of a 200 reply, or a test failure.
  JsonValue json_of(const std::optional<HttpReply>& r) {
    EXPECT_TRUE(r) << "no reply";
    if (!r) return {};
    EXPECT_EQ(r->status, 200) << r->body;
    auto v = JsonReader::parse(r->body);
    EXPECT_TRUE(v) << "not JSON: " << r->body;
    return v.value_or(JsonValue{});
  }

  std::unique_ptr<TurnSession> session(const std::string& user, const std::string& password) {
    auto s = std::make_unique<TurnSession>(user, password);
    EXPECT_TRUE(s->connect(ternd_->port()));
    EXPECT_EQ(s->allocate(), 0) << user << "'s Allocate";
    return s;
  }

  const JsonValue::Array& sessions(const JsonValue& v) {
    static const JsonValue::Array kEmpty;
    return v.array() ? *v.array() : kEmpty;
  }

  uint16_t admin_port_ = 0, metrics_port_ = 0;
  std::optional<TerndProcess> ternd_;
};

TEST_F(AdminApi, Sessions_ListAnAllocationWithEveryField) {
  auto alice = session("alice", "apass");
  const TransportAddress peer = TransportAddress::v4({127, 0, 0, 1}, 40000);
  ASSERT_EQ(alice->create_permission(peer), 0);
  ASSERT_EQ(alice->channel_bind(0x4000, peer), 0);

  const JsonValue list = json_of(get("/v1/sessions"));
  ASSERT_EQ(sessions(list).size(), 1u) << ternd_->diagnostics();
  const JsonValue& s = sessions(list)[0];
  EXPECT_TRUE(std::regex_match(text(s.member("id")), std::regex("[01]-[0-9]+")));
  EXPECT_EQ(text(s.member("user")), "alice");
  EXPECT_EQ(text(s.member("realm")), kRealm);
  EXPECT_EQ(text(s.member("transport")), "udp");
  EXPECT_EQ(text(s.member("client")), alice->local_address());
  EXPECT_EQ(text(s.member("server")), "127.0.0.1:" + std::to_string(ternd_->port()));
  ASSERT_TRUE(s.member("relayed") && s.member("relayed")->array());
  ASSERT_EQ(s.member("relayed")->array()->size(), 1u);
  ASSERT_TRUE(alice->relayed());
  EXPECT_EQ(text(&(*s.member("relayed")->array())[0]), alice->relayed()->to_string());
  EXPECT_GT(number(s.member("lifetime")), 590);
  EXPECT_LE(number(s.member("lifetime")), 600);
  EXPECT_NEAR(number(s.member("created")), static_cast<double>(std::time(nullptr)), 5);
  for (const char* counter :
       {"bytes_to_peer", "packets_to_peer", "bytes_to_client", "packets_to_client"}) {
    EXPECT_EQ(number(s.member(counter)), 0) << counter;
  }
  const auto* permissions = s.member("permissions");
  ASSERT_TRUE(permissions && permissions->array());
  ASSERT_EQ(permissions->array()->size(), 1u);
  EXPECT_EQ(text((*permissions->array())[0].member("ip")), "127.0.0.1");
  EXPECT_GT(number((*permissions->array())[0].member("lifetime")), 290);
  const auto* channels = s.member("channels");
  ASSERT_TRUE(channels && channels->array());
  ASSERT_EQ(channels->array()->size(), 1u);
  EXPECT_EQ(number((*channels->array())[0].member("number")), 0x4000);
  EXPECT_EQ(text((*channels->array())[0].member("peer")), "127.0.0.1:40000");
  EXPECT_GT(number((*channels->array())[0].member("lifetime")), 590);
  const double worker = number(s.member("worker"));
  EXPECT_TRUE(worker == 0 || worker == 1) << worker;
}

// A UDP socket on 127.0.0.1 standing in for a peer.
class Peer {
 public:
  Peer() : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
  }
  ~Peer() { ::close(fd_); }
  TransportAddress address() const { return TransportAddress::v4({127, 0, 0, 1}, port_); }
  // Waits for one datagram; its size, or -1.
  ssize_t receive() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 2000) <= 0) return -1;
    char buf[2048];
    return ::recv(fd_, buf, sizeof buf, 0);
  }
  void send_to(const TransportAddress& to, size_t size) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(to.port);
    std::memcpy(&sa.sin_addr, to.ip.data(), 4);
    const std::string data(size, 'x');
    ::sendto(fd_, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  }

 private:
  int fd_;
  uint16_t port_ = 0;
};

TEST_F(AdminApi, Sessions_CountTrafficEachWay) {
  auto alice = session("alice", "apass");
  Peer peer;
  ASSERT_EQ(alice->create_permission(peer.address()), 0);
  const std::vector<uint8_t> payload(100, 0x42);
  ASSERT_TRUE(alice->send(peer.address(), payload));
  ASSERT_EQ(peer.receive(), 100);
  peer.send_to(*alice->relayed(), 30);

  // The peer's datagram is counted when ternd relays it, a moment after it was sent.
  JsonValue s;
  for (int i = 0; i < 100; ++i) {
    const JsonValue list = json_of(get("/v1/sessions"));
    ASSERT_EQ(sessions(list).size(), 1u);
    s = sessions(list)[0];
    if (number(s.member("packets_to_client")) == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(number(s.member("packets_to_peer")), 1);
  EXPECT_EQ(number(s.member("bytes_to_peer")), 100);
  EXPECT_EQ(number(s.member("packets_to_client")), 1);
  EXPECT_EQ(number(s.member("bytes_to_client")), 30);
}

TEST_F(AdminApi, Sessions_UserFilter_ListsOnlyThatUser) {
  auto alice = session("alice", "apass");
  auto bob = session("bob", "bpass");
  EXPECT_EQ(sessions(json_of(get("/v1/sessions"))).size(), 2u);
  const JsonValue only_bob = json_of(get("/v1/sessions?user=bob"));
  ASSERT_EQ(sessions(only_bob).size(), 1u);
  EXPECT_EQ(text(sessions(only_bob)[0].member("user")), "bob");
  EXPECT_TRUE(sessions(json_of(get("/v1/sessions?user=carol"))).empty());
}

TEST_F(AdminApi, KillById_RemovesTheSession_AndTheClientsRefreshGets437) {
  auto alice = session("alice", "apass");
  auto bob = session("bob", "bpass");
  const JsonValue list = json_of(get("/v1/sessions?user=alice"));
  ASSERT_EQ(sessions(list).size(), 1u);
  const std::string id = text(sessions(list)[0].member("id"));

  auto killed = http("DELETE", "/v1/sessions/" + id, kToken, admin_port_);
  EXPECT_EQ(number(json_of(killed).member("killed")), 1);
  EXPECT_EQ(alice->refresh(600), 437);
  EXPECT_EQ(bob->refresh(600), 0);
  const JsonValue after = json_of(get("/v1/sessions"));
  ASSERT_EQ(sessions(after).size(), 1u);
  EXPECT_EQ(text(sessions(after)[0].member("user")), "bob");

  auto again = http("DELETE", "/v1/sessions/" + id, kToken, admin_port_);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 404);
  EXPECT_EQ(text(JsonReader::parse(again->body).value_or(JsonValue{}).member("error")),
            "no session " + id);
}

TEST_F(AdminApi, KillByUser_RemovesEveryOneOfThatUserOnly) {
  auto alice1 = session("alice", "apass");
  auto alice2 = session("alice", "apass");
  auto bob = session("bob", "bpass");
  auto killed = http("POST", "/v1/sessions/kill?user=alice", kToken, admin_port_);
  EXPECT_EQ(number(json_of(killed).member("killed")), 2);
  EXPECT_EQ(alice1->refresh(600), 437);
  EXPECT_EQ(alice2->refresh(600), 437);
  EXPECT_EQ(bob->refresh(600), 0);
  // The quota and the counters saw the deletions.
  const JsonValue stats = json_of(get("/v1/stats"));
  EXPECT_EQ(number(stats.member("allocations")), 1);
  EXPECT_EQ(number(stats.member("counters")->member("allocations_deleted")), 2);
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
  auto alice = session("alice", "apass");
  auto r = http("POST", "/v1/sessions/kill?user=alice", "nope", admin_port_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(alice->refresh(600), 0) << "an unauthorized kill must not kill";
}

TEST_F(AdminApi, BadRoutesAndQueries_AreRefused) {
  auto status = [&](const std::string& method, const std::string& target) {
    auto r = http(method, target, kToken, admin_port_);
    return r ? r->status : -1;
  };
  EXPECT_EQ(status("GET", "/v1/nothing"), 404);
  EXPECT_EQ(status("GET", "/v1/../etc/passwd"), 404);
  EXPECT_EQ(status("DELETE", "/v1/sessions/abc"), 404);
  EXPECT_EQ(status("DELETE", "/v1/sessions/99-1"), 404);  // no worker 99
  EXPECT_EQ(status("DELETE", "/v1/sessions/+0-1"), 404);
  EXPECT_EQ(status("POST", "/v1/sessions"), 405);
  EXPECT_EQ(status("GET", "/v1/sessions/kill?user=x"), 405);
  EXPECT_EQ(status("POST", "/v1/sessions/kill"), 400);  // a kill without a user
  EXPECT_EQ(status("POST", "/v1/sessions/kill?usr=x"), 400);
  EXPECT_EQ(status("POST", "/v1/sessions/kill?user=x&user=y"), 400);
  EXPECT_EQ(status("GET", "/v1/sessions?user="), 400);
}

TEST_F(AdminApi, Stats_CountAllocationsPerWorkerAndSumCounters) {
  auto alice = session("alice", "apass");
  auto bob = session("bob", "bpass");
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
  auto alice = session("alice", "apass");
  auto r = http("GET", "/metrics", std::nullopt, metrics_port_);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  // Every line is a comment (HELP or TYPE) or a sample: name, optional labels, value.
  const std::regex sample(R"(tern_[a-z_]+(\{[a-z]+="[^"]*"\})? [0-9]+)");
  const std::regex comment(R"(# (HELP|TYPE) tern_[a-z_]+ .+)");
  std::istringstream lines(r->body);
  std::map<std::string, std::string> values;
  for (std::string line; std::getline(lines, line);) {
    EXPECT_TRUE(std::regex_match(line, sample) || std::regex_match(line, comment)) << line;
    if (line.starts_with('#')) continue;
    values[line.substr(0, line.rfind(' '))] = line.substr(line.rfind(' ') + 1);
  }
  EXPECT_EQ(values["tern_allocations_created_total"], "1");
  EXPECT_EQ(values["tern_workers"], "2");
  EXPECT_EQ(std::stoi(values["tern_allocations{worker=\"0\"}"]) +
                std::stoi(values["tern_allocations{worker=\"1\"}"]),
            1);
  EXPECT_EQ(http("GET", "/other", std::nullopt, metrics_port_)->status, 404);
}

TEST_F(AdminApi, NoToken_GeneratesOneIntoA0600File_ThatTheApiAccepts) {
  ternd_.reset();
  TempDir dir;
  const std::string file = (dir.path() / "admin-token").string();
  start({"--admin-token-file", file});
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0) << ternd_->diagnostics();
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string token = read_file(file);
  ASSERT_EQ(token.size(), 44u) << token;  // 43 base64url characters and a newline
  token.pop_back();
  EXPECT_EQ(get("/v1/stats", token)->status, 200);
  EXPECT_EQ(get("/v1/stats", kToken)->status, 401);
}

TEST_F(AdminApi, UnixSocket_ServesTheApi) {
  ternd_.reset();
  TempDir dir;
  const std::string path = (dir.path() / "admin.sock").string();
  auto t = TerndProcess::start({{"--admin-listen", path, "--admin-token", kToken}});
  ASSERT_TRUE(t) << t.error();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto r = http("GET", "/v1/stats", kToken, 0, path);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  t->stop();
  EXPECT_NE(::stat(path.c_str(), &st), 0) << "the socket is removed at exit";
}

}  // namespace
}  // namespace tern::test
