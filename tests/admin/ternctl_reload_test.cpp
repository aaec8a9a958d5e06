// `ternctl reload` against a real ternd: what changed on success (exit 0), the reason on
// refusal (exit 1), the configuration in force unchanged then.

#include <gtest/gtest.h>

#include <string>

#include "tests/admin/ternctl_fixture.h"
#include "tests/support/ternd_process.h"

namespace tern::admin {
namespace {

constexpr char kToken[] = "ternctl-reload-token";

class TernctlReload : public Ternctl {
 protected:
  void SetUp() override {
    ASSERT_TRUE(test::write_file(conf(), "user-quota=5\n"));
    auto t = test::TerndProcess::start({{"--admin-listen", admin(), "--admin-token", kToken,
                                         "--user", "alice:apass", "-c", conf().string()}});
    ASSERT_TRUE(t) << t.error();
    ternd_.emplace(std::move(*t));
  }

  Outcome reload() { return ternctl({"reload", "--server", admin(), "--token", kToken}); }
  std::filesystem::path conf() const { return dir_ / "ternd.conf"; }
  std::string admin() const { return (dir_ / "admin.sock").string(); }

  std::optional<test::TerndProcess> ternd_;
};

TEST_F(TernctlReload, Unchanged_Exits0_SaysNoChange) {
  const auto run = reload();
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out, "no change\n");
}

TEST_F(TernctlReload, QuotaChanged_Exits0_PrintsTheChange) {
  ASSERT_TRUE(test::write_file(conf(), "user-quota=3\n"));
  const auto run = reload();
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.out.find("user-quota: 3 (was 5)"), std::string::npos) << run.out;
  EXPECT_NE(ternd_->log().find("ternctl reload: user-quota: 3 (was 5)"), std::string::npos)
      << ternd_->diagnostics();
}

TEST_F(TernctlReload, BrokenFile_Exits1_NamesFileLineAndOption_KeepsTheOldConfig) {
  ASSERT_TRUE(test::write_file(conf(), "user-quota=3\ntotal-quota=-1\n"));
  auto run = reload();
  EXPECT_EQ(run.code, 1);
  EXPECT_NE(run.err.find("reload refused: " + conf().string() + ":2: total-quota:"),
            std::string::npos)
      << run.err;
  EXPECT_TRUE(run.out.empty()) << run.out;
  // Still 5 in force: a good file now reports the change from 5, not from 3.
  ASSERT_TRUE(test::write_file(conf(), "user-quota=4\n"));
  run = reload();
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.out.find("user-quota: 4 (was 5)"), std::string::npos) << run.out;
}

}  // namespace
}  // namespace tern::admin
