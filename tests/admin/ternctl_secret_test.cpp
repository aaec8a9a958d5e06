// `ternctl secret add|delete|list`: REST API secrets in the sqlite store.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <regex>
#include <string>

#include "tests/admin/ternctl_fixture.h"

namespace tern::admin {
namespace {

class TernctlSecret : public Ternctl {
 protected:
  std::vector<auth::SecretRecord> stored(const std::string& realm) {
    auto store = auth::SqliteStore::open(db(), auth::sqlite::OpenMode::ExistingOnly);
    if (!store) return {};
    auto secrets = store->list_secrets(realm);
    return secrets ? *secrets : std::vector<auth::SecretRecord>{};
  }
};

TEST_F(TernctlSecret, Add_StoresTheSecretWithTodaysDate) {
  const auto run = ternctl(with_db({"secret", "add", "north-wind", "--realm", "x"}));
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out, "added a secret in realm x\n");
  const auto secrets = stored("x");
  ASSERT_EQ(secrets.size(), 1u);
  EXPECT_EQ(secrets[0].value, "north-wind");
  EXPECT_NEAR(static_cast<double>(secrets[0].created), static_cast<double>(std::time(nullptr)), 5);
}

TEST_F(TernctlSecret, Add_Duplicate_Exits1WithOneLine) {
  ASSERT_EQ(ternctl(with_db({"secret", "add", "s", "--realm", "x"})).code, 0);
  const auto run = ternctl(with_db({"secret", "add", "s", "--realm", "x"}));
  EXPECT_EQ(run.code, 1);
  EXPECT_TRUE(one_line(run.err)) << run.err;
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(stored("x").size(), 1u);
}

TEST_F(TernctlSecret, Add_Empty_IsAUsageError) {
  const auto run = ternctl(with_db({"secret", "add", "", "--realm", "x"}));
  EXPECT_EQ(run.code, 2);
  EXPECT_EQ(run.err, "ternctl: the secret is empty\n");
}

TEST_F(TernctlSecret, Add_UsesTheDatabasesOnlyRealm) {
  ASSERT_EQ(ternctl(with_db({"user", "add", "a", "--password", "p", "--realm", "x"})).code, 0);
  const auto run = ternctl(with_db({"secret", "add", "s"}));
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(stored("x").size(), 1u);
}

TEST_F(TernctlSecret, List_NewestFirst_PlainAndJson) {
  ASSERT_EQ(ternctl(with_db({"secret", "add", "older", "--realm", "x"})).code, 0);
  {
    auto store = auth::SqliteStore::open(db());
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->add_secret("x", "newer", std::time(nullptr) + 100));
  }
  const auto plain = ternctl(with_db({"secret", "list"}));
  ASSERT_EQ(plain.code, 0) << plain.err;
  EXPECT_TRUE(std::regex_match(plain.out, std::regex("x\t[0-9T:-]+Z\tnewer\nx\t[0-9T:-]+Z\told"
                                                     "er\n")))
      << plain.out;

  const auto json = ternctl(with_db({"secret", "list", "--json"}));
  ASSERT_EQ(json.code, 0) << json.err;
  const auto v = JsonValue::parse(json.out);
  ASSERT_TRUE(v && v->array()) << json.out;
  ASSERT_EQ(v->array()->size(), 2u);
  EXPECT_EQ(*(*v->array())[0].member("value")->string(), "newer");
  EXPECT_EQ(*(*v->array())[1].member("realm")->string(), "x");
}

TEST_F(TernctlSecret, Delete_RemovesIt_AndUnknown_Exits1) {
  ASSERT_EQ(ternctl(with_db({"secret", "add", "s", "--realm", "x"})).code, 0);
  const auto unknown = ternctl(with_db({"secret", "delete", "t", "--realm", "x"}));
  EXPECT_EQ(unknown.code, 1);
  EXPECT_TRUE(one_line(unknown.err)) << unknown.err;
  const auto run = ternctl(with_db({"secret", "delete", "s", "--realm", "x"}));
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out, "deleted a secret in realm x\n");
  EXPECT_TRUE(stored("x").empty());
}

TEST_F(TernctlSecret, MissingDatabase_ListAndDelete_Exit1WithoutCreatingIt) {
  for (const auto& args : {with_db({"secret", "list"}), with_db({"secret", "delete", "s"})}) {
    const auto run = ternctl(args);
    EXPECT_EQ(run.code, 1) << run.err;
  }
  EXPECT_FALSE(std::filesystem::exists(db()));
}

}  // namespace
}  // namespace tern::admin
