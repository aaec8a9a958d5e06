// `ternctl user ...`: the built binary on temp sqlite files.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "tern/version.h"
#include "tests/admin/ternctl_fixture.h"

namespace tern::admin {
namespace {

TEST_F(Ternctl, UserAdd_WithPassword_StoresItsKeys) {
  const auto run = ternctl(with_db({"user", "add", "alice", "--password", "pw", "--realm", "x"}));
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out, "added user alice in realm x\n");
  EXPECT_EQ(run.err, "");
  for (auto algorithm : {auth::PasswordAlgorithm::Md5, auth::PasswordAlgorithm::Sha256}) {
    EXPECT_EQ(key_of("alice", "x", algorithm), auth::derive_key(algorithm, "alice", "x", "pw"));
  }
}

TEST_F(Ternctl, UserAdd_WithoutPassword_PrintsARandomOneThatWorks) {
  const auto first = ternctl(with_db({"user", "add", "alice", "--realm", "x"}));
  ASSERT_EQ(first.code, 0) << first.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(first.out, m, std::regex("password: ([A-Za-z0-9_-]{16})\n$")))
      << first.out;
  const std::string password = m[1];
  EXPECT_EQ(key_of("alice", "x", auth::PasswordAlgorithm::Md5),
            auth::derive_key(auth::PasswordAlgorithm::Md5, "alice", "x", password));

  const auto second = ternctl(with_db({"user", "add", "bob", "--realm", "x", "--json"}));
  ASSERT_EQ(second.code, 0) << second.err;
  const auto json = JsonValue::parse(second.out);
  ASSERT_TRUE(json) << second.out;
  ASSERT_TRUE(json->member("password") && json->member("password")->string());
  EXPECT_EQ(json->member("password")->string()->size(), 16u);
  EXPECT_NE(*json->member("password")->string(), password);
}

TEST_F(Ternctl, UserAdd_Duplicate_Exits1WithOneLine) {
  ASSERT_EQ(ternctl(with_db({"user", "add", "alice", "--password", "a", "--realm", "x"})).code, 0);
  const auto run = ternctl(with_db({"user", "add", "alice", "--password", "b", "--realm", "x"}));
  EXPECT_EQ(run.code, 1);
  EXPECT_EQ(run.err, "ternctl: user alice already exists in realm x\n");
  EXPECT_EQ(run.out, "");
}

TEST_F(Ternctl, UserAdd_InvalidPassword_Exits1) {
  const auto run = ternctl(with_db({"user", "add", "a", "--password", "\x07", "--realm", "x"}));
  EXPECT_EQ(run.code, 1);
  EXPECT_TRUE(one_line(run.err)) << run.err;
}

TEST_F(Ternctl, Realm_DefaultsToTheDatabasesOnlyRealm) {
  ASSERT_EQ(ternctl(with_db({"user", "add", "alice", "--password", "a", "--realm", "x"})).code, 0);
  const auto run = ternctl(with_db({"user", "add", "bob", "--password", "b"}));
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out, "added user bob in realm x\n");
  EXPECT_EQ(ternctl(with_db({"user", "delete", "alice"})).code, 0);
}

TEST_F(Ternctl, Realm_RequiredWhenTheDatabaseHasNoneOrSeveral) {
  const auto none = ternctl(with_db({"user", "add", "alice", "--password", "a"}));
  EXPECT_EQ(none.code, 2);
  EXPECT_TRUE(one_line(none.err)) << none.err;
  EXPECT_NE(none.err.find("--realm is required"), std::string::npos);

  ASSERT_EQ(ternctl(with_db({"user", "add", "a", "--password", "a", "--realm", "x"})).code, 0);
  ASSERT_EQ(ternctl(with_db({"user", "add", "a", "--password", "a", "--realm", "y"})).code, 0);
  const auto several = ternctl(with_db({"user", "delete", "a"}));
  EXPECT_EQ(several.code, 2);
  EXPECT_NE(several.err.find("several realms (x, y)"), std::string::npos) << several.err;
}

TEST_F(Ternctl, UserList_Json_ParsesAndHoldsEveryUser) {
  ASSERT_EQ(ternctl(with_db({"user", "add", "bob", "--password", "a", "--realm", "y"})).code, 0);
  ASSERT_EQ(ternctl(with_db({"user", "add", "al\"ice", "--password", "a", "--realm", "x"})).code,
            0);
  const auto run = ternctl(with_db({"user", "list", "--json"}));
  ASSERT_EQ(run.code, 0) << run.err;
  const auto json = JsonValue::parse(run.out);
  ASSERT_TRUE(json) << run.out;
  ASSERT_TRUE(json->array());
  ASSERT_EQ(json->array()->size(), 2u);
  const auto& first = (*json->array())[0];
  EXPECT_EQ(*first.member("realm")->string(), "x");
  EXPECT_EQ(*first.member("name")->string(), "al\"ice");
  ASSERT_TRUE(first.member("algorithms")->array());
  EXPECT_EQ(first.member("algorithms")->array()->size(), 2u);
  EXPECT_EQ(*(*json->array())[1].member("name")->string(), "bob");
}

TEST_F(Ternctl, UserList_Plain_IsRealmTabName_FilteredByRealm) {
  ASSERT_EQ(ternctl(with_db({"user", "add", "bob", "--password", "a", "--realm", "y"})).code, 0);
  ASSERT_EQ(ternctl(with_db({"user", "add", "amy", "--password", "a", "--realm", "x"})).code, 0);
  EXPECT_EQ(ternctl(with_db({"user", "list"})).out, "x\tamy\ny\tbob\n");
  EXPECT_EQ(ternctl(with_db({"user", "list", "--realm", "y"})).out, "y\tbob\n");
  EXPECT_EQ(ternctl(with_db({"user", "list", "--realm", "z", "--json"})).out, "[]\n");
}

TEST_F(Ternctl, UserDelete_RemovesTheUser) {
  ASSERT_EQ(ternctl(with_db({"user", "add", "alice", "--password", "a", "--realm", "x"})).code, 0);
  const auto run = ternctl(with_db({"user", "delete", "alice", "--realm", "x"}));
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out, "deleted user alice in realm x\n");
  EXPECT_EQ(ternctl(with_db({"user", "list", "--json"})).out, "[]\n");
}

TEST_F(Ternctl, UserDelete_Unknown_Exits1) {
  ASSERT_EQ(ternctl(with_db({"user", "add", "alice", "--password", "a", "--realm", "x"})).code, 0);
  const auto run = ternctl(with_db({"user", "delete", "bob", "--realm", "x"}));
  EXPECT_EQ(run.code, 1);
  EXPECT_EQ(run.err, "ternctl: no user bob in realm x\n");
}

TEST_F(Ternctl, ErrorNamingAControlCharacter_StaysOneLine) {
  ASSERT_EQ(ternctl(with_db({"user", "add", "alice", "--password", "a", "--realm", "x"})).code, 0);
  const auto run = ternctl(with_db({"user", "delete", "a\nb", "--realm", "x"}));
  EXPECT_EQ(run.code, 1);
  EXPECT_EQ(run.err, "ternctl: no user a?b in realm x\n");
}

TEST_F(Ternctl, MissingDatabase_ListAndDelete_Exit1WithoutCreatingIt) {
  for (const auto& args : {with_db({"user", "list"}), with_db({"user", "delete", "a"})}) {
    const auto run = ternctl(args);
    EXPECT_EQ(run.code, 1);
    EXPECT_TRUE(one_line(run.err)) << run.err;
    EXPECT_NE(run.err.find(db()), std::string::npos) << run.err;
  }
  EXPECT_FALSE(std::filesystem::exists(db()));
}

TEST_F(Ternctl, CorruptDatabase_Exits1NamingTheProblem) {
  test::write_file(db(), std::string(8192, '\x01'));
  const auto run = ternctl(with_db({"user", "list"}));
  EXPECT_EQ(run.code, 1);
  EXPECT_EQ(run.err, "ternctl: cannot open user database " + db() + ": file is not a database\n");
}

TEST_F(Ternctl, BadUsage_Exits2WithOneLine) {
  const std::vector<std::vector<std::string>> bad = {
      {},
      {"user"},
      {"frobnicate"},
      {"user", "add"},
      {"user", "add", "a", "b"},
      {"user", "add", "a", "--bogus"},
      {"user", "add", "a", "--realm"},
      {"user", "list", "--json=maybe"},
  };
  for (const auto& args : bad) {
    const auto run = ternctl(args);
    EXPECT_EQ(run.code, 2) << ::testing::PrintToString(args) << run.err;
    EXPECT_TRUE(one_line(run.err)) << ::testing::PrintToString(args) << run.err;
    EXPECT_EQ(run.out, "");
  }
  EXPECT_FALSE(std::filesystem::exists(db()));
}

TEST_F(Ternctl, Version_Exits0PrintingTheProjectVersion) {
  const auto run = ternctl({"--version"});
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out, version_line("ternctl") + "\n");
  EXPECT_TRUE(run.out.starts_with("ternctl " + std::string(kVersion))) << run.out;
}

TEST_F(Ternctl, Help_OnEveryCommand_Exits0) {
  for (const auto& args : std::vector<std::vector<std::string>>{{"--help"},
                                                                {"user", "--help"},
                                                                {"user", "add", "--help"},
                                                                {"user", "delete", "--help"},
                                                                {"user", "list", "--help"}}) {
    const auto run = ternctl(args);
    EXPECT_EQ(run.code, 0) << ::testing::PrintToString(args);
    EXPECT_NE(run.out.find("Usage:"), std::string::npos) << run.out;
  }
  const auto add = ternctl({"user", "add", "--help"});
  EXPECT_NE(add.out.find("/var/lib/tern/tern.db"), std::string::npos) << add.out;
  EXPECT_NE(add.out.find("only realm"), std::string::npos) << add.out;
}

TEST_F(Ternctl, Help_OnEveryOtherCommand_Exits0) {
  for (const auto& args : std::vector<std::vector<std::string>>{{"secret", "add", "--help"},
                                                                {"secret", "delete", "--help"},
                                                                {"secret", "list", "--help"},
                                                                {"realm", "set", "--help"},
                                                                {"realm", "show", "--help"},
                                                                {"peer", "allow", "--help"},
                                                                {"peer", "deny", "--help"},
                                                                {"peer", "delete", "--help"},
                                                                {"peer", "list", "--help"},
                                                                {"credential", "mint", "--help"},
                                                                {"sessions", "--help"},
                                                                {"kill", "--help"},
                                                                {"stats", "--help"}}) {
    const auto run = ternctl(args);
    EXPECT_EQ(run.code, 0) << ::testing::PrintToString(args);
    EXPECT_NE(run.out.find("Usage:"), std::string::npos) << run.out;
  }
  const auto stats = ternctl({"stats", "--help"});
  EXPECT_NE(stats.out.find("127.0.0.1:5767"), std::string::npos) << stats.out;
  EXPECT_NE(stats.out.find("/run/tern/admin-token"), std::string::npos) << stats.out;
}

}  // namespace
}  // namespace tern::admin
