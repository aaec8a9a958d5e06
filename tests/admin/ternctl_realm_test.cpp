// `ternctl realm set|show`: realm options in the sqlite store.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/admin/ternctl_fixture.h"

namespace tern::admin {
namespace {

class TernctlRealm : public Ternctl {
 protected:
  std::optional<auth::RealmOptions> stored(const std::string& realm) {
    auto store = auth::SqliteStore::open(db(), auth::sqlite::OpenMode::ExistingOnly);
    if (!store) return std::nullopt;
    auto options = store->realm_options(realm);
    if (!options) return std::nullopt;
    return *options;
  }
};

TEST_F(TernctlRealm, Set_StoresEveryOption) {
  const auto run =
      ternctl(with_db({"realm", "set", "x", "user-quota=3", "total-quota=100", "max-bps=2000000"}));
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out, "realm x: user-quota=3 total-quota=100 max-bps=2000000\n");
  EXPECT_EQ(stored("x"), (auth::RealmOptions{3, 100, 2000000}));
}

TEST_F(TernctlRealm, Set_KeepsTheOptionsItDoesNotName) {
  ASSERT_EQ(ternctl(with_db({"realm", "set", "x", "user-quota=3", "total-quota=9"})).code, 0);
  const auto run = ternctl(with_db({"realm", "set", "x", "total-quota=0", "--json"}));
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out, R"({"realm":"x","user_quota":3,"total_quota":0,"max_bps":0})"
                     "\n");
  EXPECT_EQ(stored("x"), (auth::RealmOptions{3, 0, 0}));
}

TEST_F(TernctlRealm, Set_BadOption_Exits2AndWritesNothing) {
  ASSERT_EQ(ternctl(with_db({"realm", "set", "x", "user-quota=3"})).code, 0);
  const std::vector<std::vector<std::string>> bad = {
      {"bogus=1"},
      {"user-quota"},
      {"user-quota="},
      {"user-quota=-1"},
      {"user-quota=1e3"},
      {"user-quota=4294967296"},
      {"max-bps=9223372036854775808"},
      {"total-quota=5", "max-bps=x"},  // all or nothing: total-quota is not written either
      {},
  };
  for (const auto& assignments : bad) {
    std::vector<std::string> args = {"realm", "set", "x"};
    args.insert(args.end(), assignments.begin(), assignments.end());
    const auto run = ternctl(with_db(args));
    EXPECT_EQ(run.code, 2) << ::testing::PrintToString(assignments) << run.err;
    EXPECT_TRUE(one_line(run.err)) << run.err;
    EXPECT_EQ(run.out, "");
  }
  EXPECT_EQ(stored("x"), (auth::RealmOptions{3, 0, 0}));
  EXPECT_EQ(ternctl(with_db({"realm", "set", "x", "bogus=1"})).err,
            "ternctl: unknown realm option \"bogus\" (user-quota, total-quota, max-bps)\n");
}

TEST_F(TernctlRealm, Show_PrintsStoredOrDefaultOptions) {
  ASSERT_EQ(ternctl(with_db({"realm", "set", "x", "max-bps=64000"})).code, 0);
  EXPECT_EQ(ternctl(with_db({"realm", "show", "x"})).out,
            "realm x: user-quota=0 total-quota=0 max-bps=64000\n");
  const auto other = ternctl(with_db({"realm", "show", "y", "--json"}));
  EXPECT_EQ(other.code, 0) << other.err;
  EXPECT_EQ(other.out, R"({"realm":"y","user_quota":0,"total_quota":0,"max_bps":0})"
                       "\n");
}

}  // namespace
}  // namespace tern::admin
