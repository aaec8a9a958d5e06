// `ternctl sessions|kill|stats` against a real ternd's admin API.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <thread>

#include "tests/admin/ternctl_fixture.h"
#include "tests/support/free_ports.h"
#include "tests/support/ternd_process.h"
#include "tests/support/turn_fixture.h"

namespace tern::admin {
namespace {

using test::IpVersion;
using test::IsError;
using test::IsSuccess;
using test::TerndProcess;
using test::TurnClient;

constexpr char kToken[] = "ternctl-test-token";

class TernctlLive : public Ternctl {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(
        start_ternd((dir_ / "admin.sock").string(),
                    {"--realm", "example.org", "--user", "alice:apass", "--user", "bob:bpass"}));
  }

  // A ternd with two workers and its admin API at `admin`: what ternctl's --server takes,
  // a unix socket path or 127.0.0.1:port.
  // With `token` false, ternd makes one up and writes it where it writes it.
  void start_ternd(const std::string& admin, const std::vector<std::string>& extra = {},
                   bool token = true) {
    ternd_.reset();
    std::vector<std::string> args{"--relay-threads", "2", "--admin-listen", admin};
    if (token) args.insert(args.end(), {"--admin-token", kToken});
    args.insert(args.end(), extra.begin(), extra.end());
    auto t = TerndProcess::start({args});
    ASSERT_TRUE(t) << t.error();
    ternd_.emplace(std::move(*t));
    admin_ = admin;
  }

  // The live options every command gets, pointing at this test's ternd.
  std::vector<std::string> live(std::vector<std::string> args) const {
    args.insert(args.end(), {"--server", admin_, "--token", kToken});
    return args;
  }

  // A UDP client of `user` with an allocation; nullopt (and a failure) otherwise.
  std::optional<TurnClient> session(const std::string& user, const std::string& password) {
    return test::allocated_client(Transport::Udp, ternd_->address(Transport::Udp, IpVersion::V4),
                                  {}, {.username = user, .password = password});
  }

  // The sessions ternctl lists as JSON.
  JsonValue::Array listed(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"sessions", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto run = ternctl(live(args));
    EXPECT_EQ(run.code, 0) << run.err;
    auto v = JsonValue::parse(run.out);
    EXPECT_TRUE(v && v->array()) << run.out;
    return v && v->array() ? *v->array() : JsonValue::Array{};
  }

  std::optional<TerndProcess> ternd_;
  std::string admin_;
};

TEST_F(TernctlLive, SessionsJson_ListsTheAllocation) {
  auto alice = session("alice", "apass");
  ASSERT_TRUE(alice);
  const auto sessions = listed();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].text("user"), "alice");
  EXPECT_EQ(sessions[0].text("realm"), "example.org");
  EXPECT_EQ(sessions[0].text("client"), alice->local_address().to_string());
  EXPECT_EQ(sessions[0].text("transport"), "udp");
}

TEST_F(TernctlLive, SessionsJson_UserFilter) {
  auto alice = session("alice", "apass");
  auto bob = session("bob", "bpass");
  ASSERT_TRUE(alice && bob);
  EXPECT_EQ(listed().size(), 2u);
  const auto only_bob = listed({"--user", "bob"});
  ASSERT_EQ(only_bob.size(), 1u);
  EXPECT_EQ(only_bob[0].text("user"), "bob");
  EXPECT_TRUE(listed({"--user", "b&o b"}).empty()) << "the name travels percent-encoded";
}

TEST_F(TernctlLive, Sessions_Table_HasAHeaderAndARowPerSession) {
  auto alice = session("alice", "apass");
  ASSERT_TRUE(alice);
  const auto run = ternctl(live({"sessions"}));
  ASSERT_EQ(run.code, 0) << run.err;
  std::smatch m;
  ASSERT_TRUE(
      std::regex_match(run.out, m,
                       std::regex("ID +USER +TRANSPORT +CLIENT +RELAYED +LEFT +TO PEER +TO "
                                  "CLIENT +PERMISSIONS +CHANNELS +WORKER\n"
                                  "00[12][0-9]{15} +alice +udp +([0-9.:]+) +127\\.0\\.0\\.1:[0-9]+ "
                                  "+[0-9]+m[0-9]+s +0B +0B +- +0 +[01]\n")))
      << run.out;
  EXPECT_EQ(m[1], alice->local_address().to_string());
}

TEST_F(TernctlLive, KillById_EndsTheSession_ThenTheIdIsUnknown) {
  auto alice = session("alice", "apass");
  ASSERT_TRUE(alice);
  const auto sessions = listed();
  ASSERT_EQ(sessions.size(), 1u);
  const std::string id = sessions[0].text("id");
  const auto run = ternctl(live({"kill", id}));
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out, "killed session " + id + "\n");
  EXPECT_TRUE(IsError(alice->refresh(600), 437));
  EXPECT_TRUE(listed().empty());

  const auto again = ternctl(live({"kill", id}));
  EXPECT_EQ(again.code, 1);
  EXPECT_EQ(again.err, "ternctl: no session " + id + "\n");
}

TEST_F(TernctlLive, KillByUser_EndsThatUsersSessions_NoneIsAFailure) {
  auto alice = session("alice", "apass");
  auto bob = session("bob", "bpass");
  ASSERT_TRUE(alice && bob);
  const auto run = ternctl(live({"kill", "--user", "alice"}));
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out, "killed 1 session of user alice\n");
  EXPECT_TRUE(IsError(alice->refresh(600), 437));
  EXPECT_TRUE(IsSuccess(bob->refresh(600)));

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
  ASSERT_TRUE(alice);
  const auto json = ternctl(live({"stats", "--json"}));
  ASSERT_EQ(json.code, 0) << json.err;
  const auto v = JsonValue::parse(json.out);
  ASSERT_TRUE(v && v->member("counters")) << json.out;
  EXPECT_EQ(v->integer("allocations"), 1);
  EXPECT_EQ(v->integer("workers"), 2);
  EXPECT_EQ(v->member("counters")->integer("allocations_created"), 1);

  const auto table = ternctl(live({"stats"}));
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_TRUE(
      std::regex_search(table.out, std::regex("\nallocations +1 \\(per worker: [01] [01]\\)\n")))
      << table.out;
  EXPECT_TRUE(std::regex_search(table.out, std::regex("\nallocations_created +1\n"))) << table.out;
}

TEST_F(TernctlLive, WrongToken_Exits1NamingTheServer) {
  const auto run = ternctl({"stats", "--server", admin_, "--token", "wrong"});
  EXPECT_EQ(run.code, 1);
  EXPECT_EQ(run.err, "ternctl: ternd admin API at " + admin_ +
                         " refused the token (401); check --token or --token-file\n");
}

TEST_F(TernctlLive, TokenFromFileOrEnvironment) {
  const std::string token = (dir_ / "token").string(), nothing = (dir_ / "nothing").string();
  test::write_file(token, std::string(kToken) + "\n");
  const auto from_file = ternctl({"stats", "--server", admin_, "--token-file", token});
  EXPECT_EQ(from_file.code, 0) << from_file.err;

  const auto missing = ternctl({"stats", "--server", admin_, "--token-file", nothing});
  EXPECT_EQ(missing.code, 1);
  EXPECT_EQ(missing.err,
            "ternctl: cannot read token file " + nothing + ": No such file or directory\n");

  ::setenv("TERN_ADMIN_TOKEN", kToken, 1);
  const auto from_env = ternctl({"stats", "--server", admin_});
  ::unsetenv("TERN_ADMIN_TOKEN");
  EXPECT_EQ(from_env.code, 0) << from_env.err;
}

// ternd puts a token it made up in /run/tern when it may write there; these tests are
// about the other places, and a token already there would be found first.
bool runtime_token_dir_in_play() {
  return ::access("/run/tern", W_OK) == 0 || ::access("/run/tern/admin-token", R_OK) == 0 ||
         ::access("/var/lib/tern/admin-token", R_OK) == 0;
}

TEST_F(TernctlLive, GeneratedToken_FoundBesideTheUserdbGiven) {
  if (runtime_token_dir_in_play()) GTEST_SKIP() << "/run/tern or /var/lib/tern holds a token";
  const std::string userdb = (dir_ / "t.db").string();
  ASSERT_EQ(ternctl({"user", "add", "alice", "--password", "apass", "--realm", "example.org",
                     "--userdb", userdb})
                .code,
            0);
  ASSERT_NO_FATAL_FAILURE(start_ternd((dir_ / "generated.sock").string(),
                                      {"--realm", "example.org", "--userdb", userdb}, false));
  // ternd writes the file once its admin API listens, a moment after it answers STUN.
  const auto token_file = dir_ / "admin-token";
  for (int i = 0; i < 100 && !std::filesystem::exists(token_file); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(std::filesystem::exists(token_file)) << ternd_->diagnostics();

  auto alice = session("alice", "apass");
  ASSERT_TRUE(alice);
  const auto run = ternctl({"sessions", "--json", "--userdb", userdb, "--server", admin_});
  ASSERT_EQ(run.code, 0) << run.err;
  const auto v = JsonValue::parse(run.out);
  ASSERT_TRUE(v && v->array()) << run.out;
  ASSERT_EQ(v->array()->size(), 1u);
  EXPECT_EQ(v->array()->front().text("user"), "alice");

  const auto stats = ternctl({"stats", "--userdb", userdb, "--server", admin_});
  EXPECT_EQ(stats.code, 0) << stats.err;
}

TEST_F(TernctlLive, NoTokenAnywhere_Exits1ListingEveryPlaceLooked) {
  if (runtime_token_dir_in_play()) GTEST_SKIP() << "/run/tern or /var/lib/tern holds a token";
  const std::string userdb = (dir_ / "none" / "t.db").string();
  const std::string beside = (dir_ / "none" / "admin-token").string();
  const auto run = ternctl({"sessions", "--userdb", userdb, "--server", admin_});
  EXPECT_EQ(run.code, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err,
            "ternctl: no admin token: none of /run/tern/admin-token (No such file or "
            "directory), " +
                beside +
                " (No such file or directory), /var/lib/tern/admin-token (No such file or "
                "directory) holds one; ternd writes the token it makes up to "
                "/run/tern/admin-token when it may, else beside its --userdb; or give --token, "
                "--token-file or $TERN_ADMIN_TOKEN\n");

  const auto without_userdb = ternctl({"stats", "--server", admin_});
  EXPECT_EQ(without_userdb.code, 1);
  EXPECT_TRUE(one_line(without_userdb.err)) << without_userdb.err;
  EXPECT_NE(without_userdb.err.find("/run/tern/admin-token (No such file or directory), "
                                    "/var/lib/tern/admin-token (No such file or directory)"),
            std::string::npos)
      << without_userdb.err;
  EXPECT_NE(without_userdb.err.find("(give ternctl the same --userdb)"), std::string::npos)
      << without_userdb.err;
}

TEST_F(TernctlLive, WrongTokenFromAFoundFile_NamesTheFile) {
  if (runtime_token_dir_in_play()) GTEST_SKIP() << "/run/tern or /var/lib/tern holds a token";
  const std::string userdb = (dir_ / "t.db").string();
  ASSERT_TRUE(test::write_file(dir_ / "admin-token", "stale\n"));
  const auto run = ternctl({"stats", "--userdb", userdb, "--server", admin_});
  EXPECT_EQ(run.code, 1);
  EXPECT_EQ(run.err, "ternctl: ternd admin API at " + admin_ + " refused the token of " +
                         (dir_ / "admin-token").string() +
                         " (401): it may be another ternd's; give --token or --token-file\n");
}

TEST_F(TernctlLive, TcpAdminAddress_Works) {
  // The port was free a moment before ternd binds it; should another process take it in
  // between, ternd runs without the admin API and says so, and the test picks again.
  for (int attempt = 0; attempt < 3; ++attempt) {
    ASSERT_NO_FATAL_FAILURE(start_ternd("127.0.0.1:" + std::to_string(test::free_tcp_port())));
    if (ternd_->log().find("admin API off") == std::string::npos) break;
  }
  const auto run = ternctl({"stats", "--server", admin_, "--token", kToken});
  EXPECT_EQ(run.code, 0) << run.err;
}

TEST_F(TernctlLive, UnreachableServer_Exits1WithAClearMessage) {
  const std::string server = "127.0.0.1:" + std::to_string(test::free_tcp_port());
  for (const auto& command : std::vector<std::vector<std::string>>{
           {"sessions"}, {"stats"}, {"kill", "001000000000000001"}, {"kill", "--user", "a"}}) {
    auto args = command;
    args.insert(args.end(), {"--server", server, "--token", "t"});
    const auto run = ternctl(args);
    EXPECT_EQ(run.code, 1) << ::testing::PrintToString(command);
    EXPECT_EQ(run.err,
              "ternctl: cannot reach ternd admin API at " + server + ": Connection refused\n");
    EXPECT_EQ(run.out, "");
  }
  const std::string none = (dir_ / "none.sock").string();
  const auto no_socket = ternctl({"stats", "--server", none, "--token", "t"});
  EXPECT_EQ(no_socket.code, 1);
  EXPECT_EQ(no_socket.err,
            "ternctl: cannot reach ternd admin API at " + none + ": No such file or directory\n");
}

}  // namespace
}  // namespace tern::admin
