// `ternctl sessions|kill|stats` against a real ternd's admin API.
#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>
#include <string>

#include "tests/admin/http_probe.h"
#include "tests/admin/ternctl_fixture.h"
#include "tests/admin/ternd_child.h"
#include "tests/admin/turn_session.h"

namespace tern::admin {
namespace {

using admin_test::TerndChild;
using admin_test::TurnSession;

class TernctlLive : public Ternctl {
 protected:
  void SetUp() override {
    ternd_ = TerndChild::start(
        dir_ / "", {"--realm", "example.org", "--user", "alice:apass", "--user", "bob:bpass"});
    ASSERT_TRUE(ternd_) << "ternd did not start";
  }

  // The live options every command gets, pointing at this test's ternd.
  std::vector<std::string> live(std::vector<std::string> args) const {
    args.insert(args.end(), {"--server", ternd_->admin(), "--token", TerndChild::kToken});
    return args;
  }

  std::unique_ptr<TurnSession> session(const std::string& user, const std::string& password) {
    auto s = std::make_unique<TurnSession>(user, password);
    EXPECT_TRUE(s->connect(ternd_->port()));
    EXPECT_EQ(s->allocate(), 0) << user << "'s Allocate\n" << ternd_->log();
    return s;
  }

  // The sessions ternctl lists as JSON.
  admin_test::JsonValue::Array listed(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"sessions", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto run = ternctl(live(args));
    EXPECT_EQ(run.code, 0) << run.err;
    auto v = JsonReader::parse(run.out);
    EXPECT_TRUE(v && v->array()) << run.out;
    return v && v->array() ? *v->array() : admin_test::JsonValue::Array{};
  }

  std::unique_ptr<TerndChild> ternd_;
};

TEST_F(TernctlLive, SessionsJson_ListsTheAllocation) {
  auto alice = session("alice", "apass");
  const auto sessions = listed();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(*sessions[0].member("user")->string(), "alice");
  EXPECT_EQ(*sessions[0].member("realm")->string(), "example.org");
  EXPECT_EQ(*sessions[0].member("client")->string(), alice->local_address());
  EXPECT_EQ(*sessions[0].member("transport")->string(), "udp");
}

TEST_F(TernctlLive, SessionsJson_UserFilter) {
  auto alice = session("alice", "apass");
  auto bob = session("bob", "bpass");
  EXPECT_EQ(listed().size(), 2u);
  const auto only_bob = listed({"--user", "bob"});
  ASSERT_EQ(only_bob.size(), 1u);
  EXPECT_EQ(*only_bob[0].member("user")->string(), "bob");
  EXPECT_TRUE(listed({"--user", "b&o b"}).empty()) << "the name travels percent-encoded";
}

TEST_F(TernctlLive, Sessions_Table_HasAHeaderAndARowPerSession) {
  auto alice = session("alice", "apass");
  const auto run = ternctl(live({"sessions"}));
  ASSERT_EQ(run.code, 0) << run.err;
  std::smatch m;
  ASSERT_TRUE(
      std::regex_match(run.out, m,
                       std::regex("ID +USER +TRANSPORT +CLIENT +RELAYED +LEFT +TO PEER +TO "
                                  "CLIENT +PERMISSIONS +CHANNELS +WORKER\n"
                                  "[01]-[0-9]+ +alice +udp +([0-9.:]+) +127\\.0\\.0\\.1:[0-9]+ "
                                  "+[0-9]+m[0-9]+s +0B +0B +- +0 +[01]\n")))
      << run.out;
  EXPECT_EQ(m[1], alice->local_address());
}

TEST_F(TernctlLive, KillById_EndsTheSession_ThenTheIdIsUnknown) {
  auto alice = session("alice", "apass");
  const auto sessions = listed();
  ASSERT_EQ(sessions.size(), 1u);
  const std::string id = *sessions[0].member("id")->string();
  const auto run = ternctl(live({"kill", id}));
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out, "killed session " + id + "\n");
  EXPECT_EQ(alice->refresh(600), 437);
  EXPECT_TRUE(listed().empty());

  const auto again = ternctl(live({"kill", id}));
  EXPECT_EQ(again.code, 1);
  EXPECT_EQ(again.err, "ternctl: no session " + id + "\n");
}

TEST_F(TernctlLive, KillByUser_EndsThatUsersSessions_NoneIsAFailure) {
  auto alice = session("alice", "apass");
  auto bob = session("bob", "bpass");
  const auto run = ternctl(live({"kill", "--user", "alice"}));
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out, "killed 1 session of user alice\n");
  EXPECT_EQ(alice->refresh(600), 437);
  EXPECT_EQ(bob->refresh(600), 0);

  const auto none = ternctl(live({"kill", "--user", "alice"}));
  EXPECT_EQ(none.code, 1);
  EXPECT_EQ(none.err, "ternctl: ternd has no sessions of user alice\n");
}

TEST_F(TernctlLive, Kill_BadUsage_Exits2) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"kill"}, {"kill", "0-1", "--user", "a"}, {"kill", "abc"}, {"kill", "--user", ""}}) {
    const auto run = ternctl(live(args));
    EXPECT_EQ(run.code, 2) << ::testing::PrintToString(args) << run.err;
    EXPECT_TRUE(one_line(run.err)) << run.err;
  }
}

TEST_F(TernctlLive, Stats_JsonAndTable) {
  auto alice = session("alice", "apass");
  const auto json = ternctl(live({"stats", "--json"}));
  ASSERT_EQ(json.code, 0) << json.err;
  const auto v = JsonReader::parse(json.out);
  ASSERT_TRUE(v) << json.out;
  EXPECT_EQ(std::get<double>(v->member("allocations")->v), 1);
  EXPECT_EQ(std::get<double>(v->member("workers")->v), 2);
  EXPECT_EQ(std::get<double>(v->member("counters")->member("allocations_created")->v), 1);

  const auto table = ternctl(live({"stats"}));
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_TRUE(
      std::regex_search(table.out, std::regex("\nallocations +1 \\(per worker: [01] [01]\\)\n")))
      << table.out;
  EXPECT_TRUE(std::regex_search(table.out, std::regex("\nallocations_created +1\n"))) << table.out;
}

TEST_F(TernctlLive, WrongToken_Exits1NamingTheServer) {
  const auto run = ternctl({"stats", "--server", ternd_->admin(), "--token", "wrong"});
  EXPECT_EQ(run.code, 1);
  EXPECT_EQ(run.err, "ternctl: ternd admin API at " + ternd_->admin() +
                         " refused the token (401); check --token or --token-file\n");
}

TEST_F(TernctlLive, TokenFromFileOrEnvironment) {
  admin_test::write_file(dir_ / "token", std::string(TerndChild::kToken) + "\n");
  const auto from_file =
      ternctl({"stats", "--server", ternd_->admin(), "--token-file", dir_ / "token"});
  EXPECT_EQ(from_file.code, 0) << from_file.err;

  const auto missing =
      ternctl({"stats", "--server", ternd_->admin(), "--token-file", dir_ / "nothing"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_EQ(missing.err, "ternctl: cannot read token file " + (dir_ / "nothing") +
                             ": No such file or directory\n");

  ::setenv("TERN_ADMIN_TOKEN", TerndChild::kToken, 1);
  const auto from_env = ternctl({"stats", "--server", ternd_->admin()});
  ::unsetenv("TERN_ADMIN_TOKEN");
  EXPECT_EQ(from_env.code, 0) << from_env.err;
}

TEST_F(TernctlLive, TcpAdminAddress_Works) {
  ternd_.reset();
  ternd_ = TerndChild::start(dir_ / "", {}, admin_test::free_tcp_port());
  ASSERT_TRUE(ternd_) << "ternd did not start";
  const auto run = ternctl({"stats", "--server", ternd_->admin(), "--token", TerndChild::kToken});
  EXPECT_EQ(run.code, 0) << run.err;
}

TEST_F(TernctlLive, UnreachableServer_Exits1WithAClearMessage) {
  const std::string server = "127.0.0.1:" + std::to_string(admin_test::free_tcp_port());
  for (const auto& command : std::vector<std::vector<std::string>>{
           {"sessions"}, {"stats"}, {"kill", "0-1"}, {"kill", "--user", "a"}}) {
    auto args = command;
    args.insert(args.end(), {"--server", server, "--token", "t"});
    const auto run = ternctl(args);
    EXPECT_EQ(run.code, 1) << ::testing::PrintToString(command);
    EXPECT_EQ(run.err,
              "ternctl: cannot reach ternd admin API at " + server + ": Connection refused\n");
    EXPECT_EQ(run.out, "");
  }
  const auto no_socket = ternctl({"stats", "--server", dir_ / "none.sock", "--token", "t"});
  EXPECT_EQ(no_socket.code, 1);
  EXPECT_EQ(no_socket.err, "ternctl: cannot reach ternd admin API at " + (dir_ / "none.sock") +
                               ": No such file or directory\n");
}

}  // namespace
}  // namespace tern::admin
